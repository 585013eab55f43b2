"""Staff screens: permissions per role, the « plan this wave » page, query counts, bad input."""

import datetime

import pytest
from django.urls import reverse

from accounts import roles
from campaigns.models import Campaign, CampaignEvent
from donations import services
from donations.models import Allocation, Wave
from inventory.models import Computer
from tests.admin_forms import no_inline_rows
from tests.donations.conftest import T0, in_days
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import approved_application
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_units
from tests.roles import STAFF_ROLES, make_user

pytestmark = pytest.mark.django_db
A = Allocation.Status


def plan_url(wave):
    return reverse("admin:donations_wave_plan", args=[wave.pk])


def confirm_url(wave):
    return reverse("admin:donations_wave_plan_confirm", args=[wave.pk])


ROLES = [*STAFF_ROLES, "member", "superuser"]  # anonymous: tests/core/test_access_matrix.py

# role -> expected status for: campaigns, waves, allocations, donors, plan page (GET), plan POST, confirm page
EXPECTED = {
    "reviewer": (200, 403, 403, 403, 403, 403, 403),
    "inventory": (403, 403, 403, 200, 403, 403, 403),
    "manager": (200, 200, 200, 200, 200, 302, 200),
    "handover": (200, 200, 200, 403, 200, 403, 403),
    "member": (302, 302, 302, 302, 302, 302, 302),
    "superuser": (200, 200, 200, 200, 200, 302, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_permissions_per_role(client, planned, role):
    client.force_login(make_user(role))
    got = (
        client.get(reverse("admin:campaigns_campaign_changelist")).status_code,
        client.get(reverse("admin:donations_wave_changelist")).status_code,
        client.get(reverse("admin:donations_allocation_changelist")).status_code,
        client.get(reverse("admin:campaigns_donor_changelist")).status_code,
        client.get(plan_url(planned)).status_code,
        client.post(plan_url(planned), {"action": "plan"}).status_code,
        client.get(confirm_url(planned)).status_code,
    )
    assert got == EXPECTED[role]


def test_anonymous_is_sent_to_login(client, planned):
    response = client.get(plan_url(planned))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_plan_page_shows_the_proposal_with_reasons_and_totals(client, planned, manager, applications):
    client.force_login(manager)
    response = client.get(plan_url(planned))
    content = response.content.decode()
    assert "accordé 30, 0 reçu, priorité 3" in content
    assert "Capacité de la vague" in content and "Stock prêt" in content
    assert "Confirmer la vague" in content and "Recalculer la proposition" in content
    assert content.count('type="number"') == 5
    assert applications[0].association.legal_name in content


def test_plan_page_is_read_only_for_the_handover_desk(client, planned):
    client.force_login(staff_with_role(roles.HANDOVER_OPERATOR))
    content = client.get(plan_url(planned)).content.decode()
    assert "Confirmer la vague" not in content and 'type="number"' not in content


def test_plan_action_from_the_page(client, wave, applications, manager):
    ready_units(150)
    client.force_login(manager)
    response = client.post(plan_url(wave), {"action": "plan"}, follow=True)
    assert "Proposition calculée : 100 ordinateurs pour 5 associations." in response.content.decode()
    assert wave.allocations.count() == 5


def test_plan_refused_when_capacity_over_stock(client, wave, applications, manager):
    ready_units(40)
    client.force_login(manager)
    response = client.post(plan_url(wave), {"action": "plan"}, follow=True)
    assert "dépasse le stock prêt (40 ordinateurs)" in response.content.decode()
    assert not wave.allocations.exists()


def test_edit_quantities_and_remove_from_the_page(client, planned, manager, applications):
    client.force_login(manager)
    lines = {a.application_id: a for a in planned.allocations.all()}
    first, last = lines[applications[0].pk], lines[applications[4].pk]
    data = {"action": "save", f"quantity_{first.pk}": "12", f"remove_{last.pk}": "on"}
    response = client.post(plan_url(planned), data, follow=True)
    assert "Proposition modifiée" in response.content.decode()
    first.refresh_from_db()
    assert first.quantity == 12
    assert not Allocation.objects.filter(pk=last.pk).exists()


@pytest.mark.parametrize("value", ["5", "31", "abc", ""])
def test_out_of_bounds_quantity_is_shown_next_to_the_line_and_nothing_changes(client, planned, manager, value):
    client.force_login(manager)
    line = planned.allocations.order_by("position").first()
    other = planned.allocations.order_by("position").last()
    data = {"action": "save", f"quantity_{line.pk}": value, f"quantity_{other.pk}": "10"}
    response = client.post(plan_url(planned), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert f'id="e{line.pk}"' in content
    assert "Corrigez les erreurs ci-dessous" in content
    assert f'value="{value}"' in content  # what was typed stays in the field
    assert planned.allocations.get(pk=line.pk).quantity == 30
    assert planned.allocations.get(pk=other.pk).quantity == 10


def test_add_an_association_from_the_page(client, marseille, applications, manager):
    ready_units(150)
    wave = WaveFactory(campaign=marseille, capacity=60)
    services.wave_plan(wave=wave, by=manager)
    client.force_login(manager)
    content = client.get(plan_url(wave)).content.decode()
    assert "Ajouter une association" in content
    assert "capacité restante de 5" in content  # why the others got nothing
    bad = client.post(plan_url(wave), {"action": "add", "application": applications[4].pk, "quantity": "12"})
    assert bad.status_code == 400
    assert "entre 10 et 10" in bad.content.decode()
    line = wave.allocations.get(application=applications[1])
    client.post(plan_url(wave), {"action": "save", f"remove_{line.pk}": "on"})
    response = client.post(plan_url(wave), {"action": "add", "application": applications[4].pk, "quantity": "10"})
    assert response.status_code == 302
    assert wave.allocations.filter(application=applications[4], quantity=10).exists()


def test_unknown_action_is_a_bad_request(client, planned, manager):
    client.force_login(manager)
    assert client.post(plan_url(planned), {"action": "drop"}).status_code == 400


def test_confirm_from_the_page_then_twice(client, planned, manager):
    client.force_login(manager)
    page = client.get(confirm_url(planned)).content.decode()
    assert "Vous allez confirmer 100 ordinateurs pour 5 associations" in page
    response = client.post(confirm_url(planned), follow=True)
    assert "Vague confirmée : 100 ordinateurs réservés pour 5 associations." in response.content.decode()
    assert Computer.objects.filter(status="reserved").count() == 100
    again = client.post(confirm_url(planned), follow=True)
    assert "Cette vague est déjà confirmée." in again.content.decode()
    assert Computer.objects.filter(status="reserved").count() == 100
    # Editing the confirmed wave from the page is refused too.
    line = planned.allocations.first()
    edit = client.post(plan_url(planned), {"action": "save", f"quantity_{line.pk}": "10"}, follow=True)
    assert "ne peut plus être modifiée" in edit.content.decode()
    assert planned.allocations.get(pk=line.pk).quantity == line.quantity


def test_planning_a_closed_wave_from_the_page_is_refused(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    planned.allocations.update(status=A.HANDED_OVER)
    services.wave_close(wave=planned, by=manager)
    client.force_login(manager)
    response = client.post(plan_url(planned), {"action": "plan"}, follow=True)
    assert "Cette vague est close" in response.content.decode()
    assert planned.allocations.filter(status=A.HANDED_OVER).count() == 5


def _many_applications(campaign, count):
    for i in range(count):
        approved_application(campaign, 10 + i % 21, approved_at=T0 + datetime.timedelta(hours=i))


@pytest.mark.parametrize("count", [5, 60])
def test_plan_page_query_count_does_not_grow(client, marseille, manager, django_assert_max_num_queries, count):
    ready_units(1300)
    _many_applications(marseille, count)
    wave = WaveFactory(campaign=marseille, capacity=1200)
    services.wave_plan(wave=wave, by=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        assert client.get(plan_url(wave)).status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_changelists_query_count_does_not_grow(client, marseille, manager, django_assert_max_num_queries, count):
    ready_units(1300)
    _many_applications(marseille, count)
    wave = WaveFactory(campaign=marseille, number=1, capacity=1200)
    services.wave_plan(wave=wave, by=manager)
    services.wave_confirm(wave=wave, by=manager)
    for n in range(100, 100 + count // 5):
        WaveFactory(campaign=marseille, number=n, capacity=10)
    client.force_login(manager)
    for name in ("campaigns_campaign", "donations_wave", "donations_allocation", "campaigns_donor"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    with django_assert_max_num_queries(24):
        assert client.get(reverse("admin:campaigns_campaign_change", args=[marseille.pk])).status_code == 200
    with django_assert_max_num_queries(24):
        assert client.get(reverse("admin:donations_wave_change", args=[wave.pk])).status_code == 200
    allocation = wave.allocations.first()
    with django_assert_max_num_queries(24):
        assert client.get(reverse("admin:donations_allocation_change", args=[allocation.pk])).status_code == 200


# Waves: create and edit ---------------------------------------------------------------------


def wave_form(campaign, **overrides):
    data = {
        "campaign": campaign.pk,
        "number": 1,
        "name": "Printemps",
        "capacity": 50,
        "handover_starts_on": in_days(10).isoformat(),
        "handover_ends_on": in_days(12).isoformat(),
        "place": "Cité des associations",
        "opening_hours": "09:00-12:00 14:00-17:00",
        "slot_minutes": "45",
        "desk_capacity": "2",
        **no_inline_rows("allocations", "events"),
    }
    data.update(overrides)
    return data


def test_create_wave_checks_capacity_against_stock(client, marseille, manager):
    ready_units(40)
    client.force_login(manager)
    add = reverse("admin:donations_wave_add")
    initial = client.get(f"{add}?campaign={marseille.pk}")
    assert initial.status_code == 200
    response = client.post(add, wave_form(marseille, capacity=60))
    assert response.status_code == 200
    assert "dépasse le stock prêt (40 ordinateurs)" in response.content.decode()
    assert not Wave.objects.exists()
    response = client.post(add, wave_form(marseille, capacity=40))
    assert response.status_code == 302
    wave = Wave.objects.get()
    assert wave.status == Wave.Status.PLANNING and wave.events.get().actor == manager


def test_create_wave_refuses_dates_in_the_wrong_order(client, marseille, manager):
    ready_units(40)
    client.force_login(manager)
    data = wave_form(marseille, handover_starts_on=in_days(5).isoformat(), handover_ends_on=in_days(2).isoformat())
    response = client.post(reverse("admin:donations_wave_add"), data)
    assert "Le dernier jour de remise doit suivre le premier." in response.content.decode()
    assert not Wave.objects.exists()


def test_a_confirmed_wave_cannot_be_edited_in_the_admin(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    client.force_login(manager)
    url = reverse("admin:donations_wave_change", args=[planned.pk])
    page = client.get(url).content.decode()
    assert 'name="capacity"' not in page
    client.post(url, wave_form(planned.campaign, capacity=10))
    planned.refresh_from_db()
    assert planned.capacity == 100


# Allocations: appointment and cancel ----------------------------------------------------------


def allocation_form(**overrides):
    data = {
        "appointment_date": in_days(20).strftime("%d/%m/%Y"),
        "appointment_start_0": "",
        "appointment_start": "10:00",
        "appointment_end": "10:30",
        "appointment_place": "Mairie du 1er",
        **no_inline_rows("units", "events"),
    }
    data.update(overrides)
    return data


def test_manager_moves_an_appointment(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    allocation = planned.allocations.first()
    client.force_login(manager)
    url = reverse("admin:donations_allocation_change", args=[allocation.pk])
    response = client.post(url, allocation_form())
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.appointment_place == "Mairie du 1er"
    assert allocation.appointment_start == datetime.time(10, 0)
    assert allocation.events.filter(kind="appointment").count() == 2


def test_appointment_end_before_start_is_refused(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    allocation = planned.allocations.first()
    before = allocation.appointment_start
    client.force_login(manager)
    url = reverse("admin:donations_allocation_change", args=[allocation.pk])
    response = client.post(url, allocation_form(appointment_start="11:00", appointment_end="10:00"), follow=True)
    assert "La fin du créneau doit suivre son début." in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.appointment_start == before


def test_cancel_an_allocation_from_the_admin(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    allocation = planned.allocations.first()
    client.force_login(manager)
    url = reverse("admin:donations_allocation_cancel", args=[allocation.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f"{allocation.quantity} ordinateurs, {allocation.wave}." in page.content.decode()
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400
    response = client.post(url, {"reason": "Local fermé."})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == A.CANCELLED
    assert Computer.objects.filter(status="reserved").count() == 100 - allocation.quantity


def test_cancel_is_refused_to_the_handover_desk(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    allocation = planned.allocations.first()
    client.force_login(staff_with_role(roles.HANDOVER_OPERATOR))
    url = reverse("admin:donations_allocation_cancel", args=[allocation.pk])
    assert client.post(url, {"reason": "non"}).status_code == 403
    assert Allocation.objects.get(pk=allocation.pk).status == A.CONFIRMED


def test_confirm_action_reports_per_allocation(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    leftover = Allocation.objects.create(
        wave=planned, application=approved_application(planned.campaign, 12), quantity=12, position=6
    )
    client.force_login(manager)
    data = {"action": "confirm_allocations", "_selected_action": [leftover.pk, planned.allocations.first().pk]}
    response = client.post(reverse("admin:donations_allocation_changelist"), data, follow=True)
    content = response.content.decode()
    assert "12 ordinateurs réservés" in content
    assert "déjà « Confirmée »" in content
    leftover.refresh_from_db()
    assert leftover.status == A.CONFIRMED


# Campaigns ------------------------------------------------------------------------------------


def test_campaign_page_shows_progress_per_wave(client, planned, manager):
    services.wave_confirm(wave=planned, by=manager)
    client.force_login(manager)
    content = client.get(reverse("admin:campaigns_campaign_change", args=[planned.campaign.pk])).content.decode()
    assert "100</strong> attribués" in content
    assert "Ajouter une vague" in content
    assert plan_url(planned) in content


def test_campaign_status_actions(client, marseille, manager):
    client.force_login(manager)
    changelist = reverse("admin:campaigns_campaign_changelist")
    response = client.post(changelist, {"action": "open_campaigns", "_selected_action": [marseille.pk]}, follow=True)
    assert "Impossible de passer une campagne « Ouverte » à « Ouverte »" in response.content.decode()
    client.post(changelist, {"action": "close_campaigns", "_selected_action": [marseille.pk]})
    assert Campaign.objects.get(pk=marseille.pk).status == Campaign.Status.CLOSED
    assert CampaignEvent.objects.get().to_status == Campaign.Status.CLOSED


def test_plain_users_never_reach_the_admin(client, planned):
    client.force_login(UserFactory())
    assert client.get(plan_url(planned)).status_code == 302
