"""A member of one association sees nothing of another: every page and file answers 404."""

import pytest
from django.urls import reverse

from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application_of_a(member):
    return ApplicationFactory(association=member.memberships.get().association)


def urls_of(application):
    association = application.association
    return [
        ("get", reverse("associations:application", args=[application.pk])),
        ("get", reverse("associations:application_edit", args=[application.pk])),
        ("get", reverse("associations:application_withdraw", args=[application.pk])),
        ("post", reverse("associations:application_withdraw", args=[application.pk])),
        ("post", reverse("associations:application_answer", args=[application.pk])),
        ("get", reverse("associations:application_document", args=[application.pk, "statutes"])),
        ("get", reverse("associations:application_document", args=[application.pk, "activity_report"])),
        ("get", reverse("associations:association_edit", args=[association.pk])),
        ("post", reverse("associations:association_edit", args=[association.pk])),
    ]


def test_member_of_another_association_gets_404_everywhere(client, application_of_a, other_member):
    client.force_login(other_member)
    for method, url in urls_of(application_of_a):
        assert getattr(client, method)(url, {"body": "x"}).status_code == 404, url
    application_of_a.refresh_from_db()
    assert application_of_a.status == "submitted"


def test_user_without_association_gets_404_everywhere(client, application_of_a):
    client.force_login(UserFactory())
    for method, url in urls_of(application_of_a):
        assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_is_sent_to_login(client, application_of_a):
    for method, url in urls_of(application_of_a):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_member_reads_own_documents(client, member, application_of_a):
    client.force_login(member)
    response = client.get(reverse("associations:application_document", args=[application_of_a.pk, "statutes"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Instruction des candidatures", 200),
        ("Responsables de campagne", 200),
        ("Opérateurs de stock", 404),
        ("Guichet de remise", 404),
    ],
)
def test_staff_read_documents_only_with_the_right_role(client, application_of_a, role, status):
    client.force_login(staff_with_role(role))
    response = client.get(reverse("associations:application_document", args=[application_of_a.pk, "statutes"]))
    assert response.status_code == status


def test_unknown_document_kind_is_404(client, member, application_of_a):
    client.force_login(member)
    assert client.get(f"/space/applications/{application_of_a.pk}/documents/password/").status_code == 404
