"""People and associations in the admin: email login, roles as groups, memberships, search."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from associations.models import Association, Membership, Mission
from tests.admin_forms import no_inline_rows
from tests.factories.accounts import UserFactory, reviewer
from tests.factories.associations import AssociationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True))
    return client


def user_form_data(user: User, **overrides) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "is_active": "on",
        "date_joined_0": "01/02/2026",
        "date_joined_1": "10:00:00",
        **no_inline_rows("memberships"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_superuser_creates_a_user_with_email_login(superuser_client):
    response = superuser_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nouvelle.Instructrice@Ville.example.org",
            "first_name": "Nora",
            "last_name": "Instructrice",
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
            **no_inline_rows("memberships"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    user = User.objects.get(email="nouvelle.instructrice@ville.example.org")
    assert user.check_password("un-mot-de-passe-solide-2026") and not user.is_staff


def test_duplicate_email_is_refused_whatever_its_case(superuser_client):
    UserFactory(email="deja@ville.example.org")
    response = superuser_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "DEJA@ville.example.org",
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
            **no_inline_rows("memberships"),
        },
    )
    assert response.status_code == 200
    assert "Un compte avec cette adresse e-mail existe déjà." in response.context["adminform"].form.errors["email"]


def test_giving_a_role_requires_staff_status_and_the_reverse(superuser_client):
    user = UserFactory(email="agent@ville.example.org")
    group = Group.objects.get(name=roles.REVIEWER)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    role_without_staff = superuser_client.post(url, user_form_data(user, groups=[group.pk]))
    assert role_without_staff.status_code == 200
    assert "is_staff" in role_without_staff.context["adminform"].form.errors

    staff_without_role = superuser_client.post(url, user_form_data(user, is_staff="on"))
    assert staff_without_role.status_code == 200
    assert "is_staff" in staff_without_role.context["adminform"].form.errors

    ok = superuser_client.post(url, user_form_data(user, is_staff="on", groups=[group.pk]))
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.is_staff and user.has_perm("associations.review_application")


def test_user_page_lists_roles_and_memberships_and_adds_one(superuser_client):
    association = AssociationFactory(legal_name="Cyber-Base Belle de Mai")
    user = member_of(association, email="benevole@cyberbase.example.org")
    other = AssociationFactory(legal_name="Quartiers Connectés")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert "Cyber-Base Belle de Mai" in page.content.decode()
    assert page.context["adminform"].form.fields["groups"].label == "Rôles"

    membership = Membership.objects.get(user=user)
    data = user_form_data(
        user,
        **{
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk),
            "memberships-0-user": str(user.pk),
            "memberships-0-association": str(association.pk),
            "memberships-1-user": str(user.pk),
            "memberships-1-association": str(other.pk),
        },
    )
    response = superuser_client.post(url, data)
    assert response.status_code == 302
    assert set(user.memberships.values_list("association__legal_name", flat=True)) == {
        "Cyber-Base Belle de Mai",
        "Quartiers Connectés",
    }


def test_user_list_search_and_filter_by_role(superuser_client):
    member_of(AssociationFactory(legal_name="Cyber-Base Belle de Mai"), email="benevole@cyberbase.example.org")
    agent = reviewer(email="agent@ville.example.org")
    url = reverse("admin:accounts_user_changelist")
    found = superuser_client.get(url, {"q": "belle de mai"})
    assert [u.email for u in found.context["cl"].result_list] == ["benevole@cyberbase.example.org"]
    by_role = superuser_client.get(url, {"groups__id__exact": Group.objects.get(name=roles.REVIEWER).pk})
    assert [u.email for u in by_role.context["cl"].result_list] == [agent.email]
    assert roles.REVIEWER in by_role.content.decode()


def test_user_list_query_count_does_not_grow(superuser_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert superuser_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        member_of(AssociationFactory(), email=f"m{i}@asso.example.org")
    count()
    small = count()
    for i in range(3, 30):
        member_of(AssociationFactory(), email=f"m{i}@asso.example.org")
    reviewer(email="agent@ville.example.org")
    assert count() == small


# Associations ---------------------------------------------------------------------------------


def test_reviewer_edits_an_association_with_the_same_checks_as_the_space(client):
    client.force_login(reviewer())
    association = AssociationFactory(legal_name="Asso", rna="W133000001")
    url = reverse("admin:associations_association_change", args=[association.pk])
    mediation = Mission.objects.get(code="mediation")
    data = {
        "legal_name": "Asso Renommée",
        "rna": "w13 300 0002",
        "siret": "732 829 320 00074",
        "address": "1 rue Paradis",
        "postal_code": "13006",
        "city": "Marseille",
        "missions": [mediation.pk],
        "beneficiaries_per_year": "120",
        "staff_count": "1",
        "volunteer_count": "4",
        "contact_name": "Nadia",
        "contact_email": "nadia@asso.example.org",
        **no_inline_rows("memberships", "applications"),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    association.refresh_from_db()
    assert (association.legal_name, association.rna, association.siret) == (
        "Asso Renommée",
        "W133000002",
        "73282932000074",
    )
    assert list(association.missions.all()) == [mediation]

    bad = client.post(url, {**data, "siret": "73282932000075", "rna": ""})
    assert bad.status_code == 200
    assert "siret" in bad.context["adminform"].form.errors
    association.refresh_from_db()
    assert association.siret == "73282932000074"


def test_association_list_search_filters_and_query_count(client):
    client.force_login(reviewer())
    employment = Mission.objects.get(code="employment")
    target = AssociationFactory(legal_name="Insertion Pro Castellane", postal_code="13016", missions=[employment])
    member_of(target, email="president@insertion.example.org")
    AssociationFactory(legal_name="Autre", postal_code="13001")
    url = reverse("admin:associations_association_changelist")

    def names(params) -> set[str]:
        return {a.legal_name for a in client.get(url, params).context["cl"].result_list}

    assert names({"q": "president@insertion"}) == {"Insertion Pro Castellane"}
    assert names({"mission": "employment"}) == {"Insertion Pro Castellane"}
    assert names({"code_postal": "13001"}) == {"Autre"}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    count()
    small = count()
    for _ in range(25):
        member_of(AssociationFactory(postal_code="13005"))
    assert Association.objects.count() == 27
    assert count() == small
