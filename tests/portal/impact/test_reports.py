"""The association space: its reports only (404 otherwise), the form's errors next to the fields, query counts."""

import datetime

import pytest
from django.urls import reverse

from impact.models import ImpactReport
from tests.factories.accounts import UserFactory
from tests.factories.associations import member_of
from tests.factories.impact import handed_over_wave, impact_reports_for
from tests.impact.conftest import GOOD

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, report):
    for url in (reverse("impact:reports"), report.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_member_sees_only_own_reports(client, reports, association_member):
    client.force_login(association_member)
    response = client.get(reverse("impact:reports"))
    assert response.status_code == 200
    assert reports[0].association.legal_name in response.content.decode()
    assert reports[1].association.legal_name not in response.content.decode()
    assert client.get(reports[0].get_absolute_url()).status_code == 200
    # Someone else's report: 404, on GET and POST, and nothing changes.
    assert client.get(reports[1].get_absolute_url()).status_code == 404
    assert client.post(reports[1].get_absolute_url(), {**GOOD, "submit": "1"}).status_code == 404
    assert ImpactReport.objects.get(pk=reports[1].pk).status == "draft"


def test_a_user_without_association_sees_nothing(client, reports):
    client.force_login(UserFactory(email="personne@example.org"))
    assert client.get(reports[0].get_absolute_url()).status_code == 404
    response = client.get(reverse("impact:reports"))
    assert "Aucun bilan à rendre" in response.content.decode()


def test_file_a_report(client, report, association_member):
    client.force_login(association_member)
    response = client.post(report.get_absolute_url(), {**GOOD, "workshop_hours": "15,5", "submit": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("impact:reports")
    report.refresh_from_db()
    assert report.status == "submitted" and str(report.workshop_hours) == "15.5"
    assert report.events.filter(actor=association_member).count() == 2
    # Sent: read-only now.
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Envoyer le bilan" not in page and "Envoyé" in page


def test_save_a_draft(client, report, association_member):
    client.force_login(association_member)
    response = client.post(report.get_absolute_url(), {**GOOD, "save": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "draft" and report.people_trained == 70


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"people_trained": "-3"}, "people_trained", "Ce nombre ne peut pas être négatif."),
        ({"age_75_plus": "90"}, "age_under_26", "La répartition par âge fait"),
        ({"gender_men": "60"}, "gender_women", "La répartition par genre fait"),
        ({"situation_young_out_of_school": "71"}, "situation_young_out_of_school", "plus que les 70"),
        ({"machines_out_of_order": "5"}, "machines_in_use", "plus que les 10 reçus"),
        ({"workshop_hours": "0"}, "workshop_hours", "durée totale"),
        ({"workshops_held": "deux"}, "workshops_held", "nombre entier"),
    ],
)
def test_form_refuses_inconsistent_counts_next_to_the_field(
    client, report, association_member, changes, field, message
):
    client.force_login(association_member)
    response = client.post(report.get_absolute_url(), {**GOOD, **changes, "submit": "1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field])
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    assert "Le bilan n&#x27;est pas enregistré" in body or "Le bilan n'est pas enregistré" in body
    report.refresh_from_db()
    assert report.status == "draft" and report.people_trained == 0 and not report.events.exists()


def test_nul_character_is_refused(client, report, association_member):
    client.force_login(association_member)
    response = client.post(report.get_absolute_url(), {**GOOD, "comment": "a\x00b", "submit": "1"})
    assert response.status_code == 200
    assert "comment" in response.context["form"].errors


def test_report_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory(email="multi@example.org")
    wave = handed_over_wave(2, 10, on=datetime.date(2026, 1, 10))
    for allocation in wave.allocations.all():
        member_of_existing(user, allocation.application.association)
    impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    client.force_login(user)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("impact:reports"))
    wave2 = handed_over_wave(8, 10, campaign=wave.campaign, wave_number=2, on=datetime.date(2026, 1, 11))
    for allocation in wave2.allocations.all():
        member_of_existing(user, allocation.application.association)
    impact_reports_for(wave2, today=datetime.date(2026, 9, 1), starts_on=datetime.date(2026, 1, 1))
    assert ImpactReport.objects.for_user(user).count() >= 30
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("impact:reports"))
    assert response.status_code == 200


def member_of_existing(user, association):
    from associations.models import Membership

    Membership.objects.get_or_create(user=user, association=association)


def test_member_of_helper_is_used(reports):
    user = member_of(reports[1].association, email="b@example.org")
    assert list(ImpactReport.objects.for_user(user)) == [reports[1]]


def test_the_association_space_points_to_the_reports_to_file(client):
    wave = handed_over_wave(1, 10)
    impact_reports_for(wave)
    association = wave.allocations.first().application.association
    client.force_login(member_of(association, email="bilan@asso.example.org"))
    page = client.get(reverse("associations:space")).content.decode()
    report = association.impact_reports.order_by("due_on").first()
    assert "Remplir le bilan d'impact" in page and reverse("impact:reports") in page
    assert report.get_absolute_url() in page
