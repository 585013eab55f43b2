"""The campaign manager's plan page: out-of-date warning, order of service explained, the final lot's words,
the link of a confirmed wave; and the desk's schedule of the day."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from donations import services
from donations.models import Allocation, HandoverSlot, Wave
from tests.donations.conftest import T0
from tests.factories.accounts import staff_with_role
from tests.factories.associations import approved_application
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_units

pytestmark = pytest.mark.django_db


def plan_url(wave):
    return reverse("admin:donations_wave_plan", args=[wave.pk])


def page(client, user, wave) -> str:
    client.force_login(user)
    response = client.get(plan_url(wave))
    assert response.status_code == 200
    return response.content.decode()


def test_the_plan_page_warns_when_applications_were_approved_since(client, planned, manager, marseille):
    assert "n'est plus à jour" not in page(client, manager, planned)
    # Both dates are set explicitly: the comparison does not depend on how fast the test runs.
    Wave.objects.filter(pk=planned.pk).update(planned_at=timezone.now() - datetime.timedelta(hours=1))
    late = approved_application(marseille, 12, approved_at=timezone.now())
    content = page(client, manager, planned)
    assert "Cette proposition n'est plus à jour." in content
    assert "1 candidature acceptée" in content
    assert "Recalculer maintenant" in content
    # Recalculating from the warning's button takes the new application in, and the warning goes.
    response = client.post(plan_url(planned), {"action": "plan"}, follow=True)
    assert response.status_code == 200
    planned.refresh_from_db()
    # The wave is full (100 of 100): the new application is now in the plan's record, left out for capacity.
    assert [s["code"] for s in planned.plan_skipped if s["application"] == late.pk] == ["no_capacity"]
    assert "n'est plus à jour" not in response.content.decode()


def test_the_plan_page_warns_when_units_were_made_ready_since(client, planned, manager):
    Wave.objects.filter(pk=planned.pk).update(planned_at=timezone.now() - datetime.timedelta(hours=1))
    ready_units(7)
    content = page(client, manager, planned)
    assert "n'est plus à jour" in content
    assert "7 ordinateurs prêts en plus" in content
    assert "candidature acceptée" not in content


def test_no_warning_once_the_wave_is_confirmed_nor_for_the_read_only_desk(client, planned, manager, marseille):
    Wave.objects.filter(pk=planned.pk).update(planned_at=timezone.now() - datetime.timedelta(hours=1))
    approved_application(marseille, 12, approved_at=timezone.now())
    desk = staff_with_role(roles.HANDOVER_OPERATOR, email="guichet@example.org")
    assert "n'est plus à jour" not in page(client, desk, planned)  # the desk cannot recalculate
    services.wave_confirm(wave=planned, by=manager, notify=False)
    assert "n'est plus à jour" not in page(client, manager, planned)


def test_the_order_of_service_is_explained(client, planned, manager, marseille):
    content = page(client, manager, planned)
    assert "Ordre de service : priorité (1 d'abord) ; à priorité égale, la date d'acceptation" in content
    final = WaveFactory(campaign=marseille, number=2, capacity=20, is_final_lot=True)
    content = page(client, manager, final)
    assert "les associations qui n'ont encore rien reçu passent avant celles déjà servies en partie" in content


def test_final_lot_serves_the_never_served_first_and_promises_no_next_wave(client, marseille, manager):
    """Wave 1 partly serves A; in the final lot, B (never served, approved later) comes before A."""
    ready_units(100)
    first = approved_application(marseille, 30, approved_at=T0)
    wave = WaveFactory(campaign=marseille, number=1, capacity=10)
    services.wave_plan(wave=wave, by=manager)
    services.wave_confirm(wave=wave, by=manager, notify=False)
    second = approved_application(marseille, 15, approved_at=T0 + datetime.timedelta(days=3))
    final = WaveFactory(campaign=marseille, number=2, capacity=20, is_final_lot=True)
    services.wave_plan(wave=final, by=manager)
    lines = list(final.allocations.order_by("position"))
    assert [line.application_id for line in lines] == [second.pk, first.pk]
    assert [line.quantity for line in lines] == [15, 5]
    content = page(client, manager, final)
    assert "prochaine vague" not in content
    assert "15 ordinateurs ne seront pas attribués (pas de vague suivante)" in content
    # What the association reads once confirmed: no next wave either.
    services.wave_confirm(wave=final, by=manager, notify=False)
    from donations.services.allocations import explain_allocations

    confirmed = Allocation.objects.select_related("wave", "application").get(wave=final, application=first)
    text = explain_allocations([confirmed])[confirmed.pk]
    assert "prochaine vague" not in text and "c'est le lot final" in text


def test_a_confirmed_waves_link_reads_voir_l_attribution(client, planned, manager):
    client.force_login(manager)
    wave_page = client.get(reverse("admin:donations_wave_change", args=[planned.pk])).content.decode()
    campaign_page = client.get(reverse("admin:campaigns_campaign_change", args=[planned.campaign.pk])).content.decode()
    assert "Planifier cette vague" in wave_page and "Planifier cette vague" in campaign_page
    services.wave_confirm(wave=planned, by=manager, notify=False)
    for url in (
        reverse("admin:donations_wave_change", args=[planned.pk]),
        reverse("admin:campaigns_campaign_change", args=[planned.campaign.pk]),
        reverse("admin:donations_wave_changelist"),
    ):
        content = client.get(url).content.decode()
        assert "Voir l&#x27;attribution" in content or "Voir l'attribution" in content, url
        assert "Planifier cette vague" not in content, url
    assert "Attribution : Vague 1" in page(client, manager, planned)


def test_the_desk_sees_the_days_schedule_in_time_order(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager, notify=False)
    day = planned.allocations.order_by("appointment_date").values_list("appointment_date", flat=True).first()
    desk = staff_with_role(roles.HANDOVER_OPERATOR, email="guichet@example.org")
    client.force_login(desk)
    url = reverse("admin:donations_handoverslot_changelist") + f"?day={day.isoformat()}"
    content = client.get(url).content.decode()
    names = [
        a.application.association.legal_name
        for a in Allocation.objects.filter(wave=planned, appointment_date=day)
        .select_related("application__association")
        .order_by("appointment_start", "position")
    ]
    assert len(names) == 5  # one association a slot (desk of one), the first five slots of the day
    positions = [content.index(name) for name in names]
    assert positions == sorted(positions), "the day's associations are not in time order"
    assert "1 / 1" in content  # places taken / places of each slot
    # The desk reads only: no add button, no change.
    assert client.get(reverse("admin:donations_handoverslot_add")).status_code == 403
    other_day = day + datetime.timedelta(days=1)
    while other_day.weekday() >= 5 or not HandoverSlot.objects.filter(wave=planned, date=other_day).exists():
        other_day += datetime.timedelta(days=1)
    assert (
        names[0]
        not in client.get(
            reverse("admin:donations_handoverslot_changelist") + f"?day={other_day.isoformat()}"
        ).content.decode()
    )
