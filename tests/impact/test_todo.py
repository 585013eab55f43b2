"""The admin home's to-do list (impact.todo): each role sees its work, with counts and links that work."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from associations import services as application_services
from associations.models import Application, Message
from donations import services as donation_services
from donations.models import Allocation
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import ApplicationFactory, approved_application, member_of
from tests.factories.campaigns import CampaignFactory
from tests.factories.certificates import confirmed_wave
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ComputerFactory, passed_wipe, ready_computers

pytestmark = pytest.mark.django_db

SECTIONS = {
    roles.REVIEWER: ["review", "reports"],
    roles.INVENTORY_OPERATOR: ["stock"],
    roles.CAMPAIGN_MANAGER: ["waves", "offers", "reports"],
    roles.HANDOVER_OPERATOR: ["desk"],
}


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def _items(response, key) -> dict:
    section = next(s for s in response.context["todo"] if s.key == key)
    return {str(item.label): item for item in section.items}


@pytest.mark.parametrize(("role", "keys"), SECTIONS.items())
def test_each_role_sees_the_sections_of_its_work(client, role, keys):
    response = _home(client, staff_with_role(role))
    assert [s.key for s in response.context["todo"]] == keys
    assert "À faire" in response.content.decode()


def test_a_superuser_sees_every_section(client):
    root = UserFactory(is_staff=True, is_superuser=True)
    response = _home(client, root)
    assert [s.key for s in response.context["todo"]] == ["review", "waves", "offers", "stock", "desk", "reports"]


def test_reviewer_sees_the_oldest_applications_first_with_their_wait_and_the_answers(client, campaign):
    reviewer = staff_with_role(roles.REVIEWER)
    now = timezone.now()
    old = ApplicationFactory(campaign=campaign, submitted_at=now - datetime.timedelta(days=12))
    recent = ApplicationFactory(campaign=campaign, submitted_at=now - datetime.timedelta(days=2))
    ApplicationFactory(campaign=campaign, status=Application.Status.WAITLISTED)
    asked = ApplicationFactory(campaign=campaign)
    member = member_of(asked.association)
    application_services.application_request_info(application=asked, by=reviewer, message="Combien d'ateliers ?")
    application_services.application_answer(application=asked, by=member, body="Huit par mois.")
    application_services.application_assign(application=recent, reviewer=reviewer, by=reviewer)

    response = _home(client, reviewer)
    items = _items(response, "review")
    pending = items["Candidatures à examiner"]
    assert pending.count == 3  # old, recent, and the answered one back in review
    assert [row.label for row in pending.rows][:2] == [old.association.legal_name, recent.association.legal_name]
    assert pending.rows[0].note == "attend depuis 12 jours"
    assert "la plus ancienne attend depuis 12 jours" == pending.note
    answers = items["Réponses reçues des associations"]
    assert answers.count == 1 and answers.rows[0].label == asked.association.legal_name
    assert items["Mes candidatures à examiner"].count == 1
    # Each link opens the list or the application, and the list shows what the count says.
    listed = client.get(pending.url)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 3
    assert client.get(answers.url).context["cl"].result_count == 1
    assert client.get(items["Mes candidatures à examiner"].url).context["cl"].result_count == 1
    opened = client.get(pending.rows[0].url)
    assert opened.status_code == 200 and opened.context["original"] == old


def test_stock_operator_sees_units_to_wipe_and_to_check(client):
    ComputerFactory.create_batch(2, status="received")
    ComputerFactory(status="reconditioning", wipe_failed=True)
    ComputerFactory(status="reconditioning", needs_spare_part=True)
    ComputerFactory(status="ready")
    operator = staff_with_role(roles.INVENTORY_OPERATOR)
    items = _items(_home(client, operator), "stock")
    to_wipe = items["Ordinateurs à effacer"]
    to_check = items["Ordinateurs à vérifier (effacement en échec, pièce à remplacer)"]
    assert (to_wipe.count, to_check.count) == (3, 2)  # the unit needing a part has no wipe yet either
    assert client.get(to_wipe.url).context["cl"].result_count == 3
    assert client.get(to_check.url).context["cl"].result_count == 2


def test_stock_operator_sees_units_to_test(client):
    from inventory.models import Computer

    for flagged in (False, False, True):
        computer = ComputerFactory(status="reconditioning", functional_test_failed=flagged)
        record = passed_wipe(computer, report_reference="R")
        Computer.objects.filter(pk=computer.pk).update(wipe_record=record)
    ComputerFactory(status="reconditioning")  # not wiped yet: to wipe first
    ComputerFactory(status="ready")
    operator = staff_with_role(roles.INVENTORY_OPERATOR)
    items = _items(_home(client, operator), "stock")
    to_test = items["Ordinateurs à tester (effacés, test fonctionnel à faire)"]
    assert to_test.count == 2  # the failed one is « à vérifier »
    assert client.get(to_test.url).context["cl"].result_count == 2


def test_manager_sees_waves_to_plan_to_recompute_or_to_confirm_and_the_capacity_alert(client):
    manager = staff_with_role(roles.CAMPAIGN_MANAGER)
    reviewer = staff_with_role(roles.REVIEWER)
    ready_computers(200)
    campaign = CampaignFactory(name="Marseille")
    for _i in range(3):
        approved_application(campaign, 20)
    never = WaveFactory(campaign=campaign, number=3, capacity=10)
    ready = WaveFactory(campaign=campaign, number=1, capacity=40)
    donation_services.wave_plan(wave=ready, by=manager)
    other = CampaignFactory(name="Lyon")
    approved_application(other, 15)
    stale = WaveFactory(campaign=other, number=1, capacity=100)
    donation_services.wave_plan(wave=stale, by=manager)
    late = ApplicationFactory(campaign=other)
    application_services.application_approve(application=late, granted=12, by=reviewer)

    items = _items(_home(client, manager), "waves")
    to_plan = items["Vagues à calculer ou à recalculer"]
    assert {row.url for row in to_plan.rows} == {
        reverse("admin:donations_wave_plan", args=[never.pk]),
        reverse("admin:donations_wave_plan", args=[stale.pk]),
    }
    confirm = items["Vagues prêtes à confirmer"]
    assert [row.url for row in confirm.rows] == [reverse("admin:donations_wave_plan", args=[ready.pk])]
    assert client.get(confirm.rows[0].url).status_code == 200
    # Marseille: 3 × 20 granted, wave 1 plans 2 of them (40), wave 3 has 10 places: one association waits.
    alert = items["Associations acceptées qu'aucune vague ne peut encore servir"]
    assert alert.count == 1 and alert.alert
    assert "1 associations attendent 20 ordinateurs" in alert.rows[0].note and "10" in alert.rows[0].note
    assert client.get(alert.rows[0].url).status_code == 200


def test_desk_sees_todays_appointments_per_wave(client):
    wave = confirmed_wave(allocations=2, units=10)
    today = timezone.localdate()
    first, second = wave.allocations.order_by("position")
    Allocation.objects.filter(pk=first.pk).update(
        appointment_status="accepted", appointment_date=today, appointment_start=datetime.time(9, 30),
        appointment_end=datetime.time(10),
    )  # fmt: skip
    Allocation.objects.filter(pk=second.pk).update(
        appointment_status="accepted", appointment_date=today + datetime.timedelta(days=1),
        appointment_start=datetime.time(9), appointment_end=datetime.time(10),
    )  # fmt: skip
    desk = staff_with_role(roles.HANDOVER_OPERATOR)
    items = _items(_home(client, desk), "desk")
    today_item = items["Rendez-vous aujourd'hui"]
    assert today_item.count == 1
    assert today_item.rows[0].url == reverse("admin:certificates_handover_desk", args=[wave.pk])
    assert "dès 09:30" in today_item.rows[0].note
    assert client.get(today_item.rows[0].url).status_code == 200


def test_nothing_to_do_shows_zero_counts_not_an_error(client):
    root = UserFactory(is_staff=True, is_superuser=True)
    response = _home(client, root)
    assert all(item.count == 0 for section in response.context["todo"] for item in section.items)
    assert Message.objects.count() == 0
