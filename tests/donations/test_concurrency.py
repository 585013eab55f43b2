"""No unit in two live allocations, even when managers confirm at the same moment (PostgreSQL)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from accounts import roles
from donations import services
from donations.models import Allocation, AllocationUnit, Wave
from inventory.models import Computer
from tests.conftest import require
from tests.factories.accounts import staff_with_role
from tests.factories.associations import approved_application
from tests.factories.campaigns import CampaignFactory
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_units
from tests.threads import run_together

A = Allocation.Status


def assert_consistent():
    """Every unit at most once; every total adds up; statuses agree with the links."""
    live = list(AllocationUnit.objects.filter(released_at__isnull=True).values_list("computer_id", "allocation_id"))
    per_computer = Counter(computer for computer, _allocation in live)
    assert all(n == 1 for n in per_computer.values()), "a unit is in two live allocations"
    per_allocation = Counter(allocation for _computer, allocation in live)
    for allocation in Allocation.objects.all():
        expected = allocation.quantity if allocation.status in (A.CONFIRMED, A.HANDED_OVER) else 0
        assert per_allocation.get(allocation.pk, 0) == expected, allocation
    reserved = set(Computer.objects.filter(status="reserved").values_list("pk", flat=True))
    assert reserved == set(per_computer)
    confirmed_total = sum(a.quantity for a in Allocation.objects.filter(status=A.CONFIRMED))
    assert len(reserved) == confirmed_total
    return confirmed_total


def planned_wave(*, units: int, demand: int):
    """On PostgreSQL: one wave of ``demand`` units for one approved application, ``units`` ready units,
    planned by a manager. Returns (wave, manager, the ready units)."""
    require(connection.vendor == "postgresql", "needs PostgreSQL")
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="manager@example.org")
    campaign = CampaignFactory()
    wave = WaveFactory(campaign=campaign, number=1, capacity=demand)
    ready = ready_units(units)
    approved_application(campaign, demand)
    services.wave_plan(wave=wave, by=manager)
    return wave, manager, ready


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_wave_confirmations_never_share_a_unit():
    require(connection.vendor == "postgresql", "needs PostgreSQL")

    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="manager@example.org")
    campaign = CampaignFactory()
    for _ in range(16):
        approved_application(campaign, 20)
    ready_units(100, model="OptiPlex 7070")
    ready_units(70, model="EliteDesk 800", manufacturer="HP")
    waves = []
    for number in range(1, 5):
        wave = WaveFactory(campaign=campaign, number=number, capacity=80)
        services.wave_plan(wave=wave, by=manager)
        waves.append(wave)
    assert sum(w.allocations.count() for w in waves) == 16  # 320 units proposed for 170 in stock

    outcomes = run_together([lambda w=w: services.wave_confirm(wave=w, by=manager, notify=False) for w in waves])

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    total = assert_consistent()
    assert total <= 170
    assert total % 20 == 0  # whole allocations only: nothing is half-assigned
    assert total >= 160  # the stock was used, not left idle by the locking
    confirmed_waves = [o for o in outcomes if o[0] == "ok"]
    assert confirmed_waves, outcomes
    # A wave that got no unit at all stays in planning, unchanged, and says why.
    assert Wave.objects.filter(status=Wave.Status.CONFIRMED).count() == len(confirmed_waves)
    for kind, text in outcomes:
        if kind == "refused":
            assert "insuffisant" in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_confirmations_and_double_clicks():
    wave, manager, _units = planned_wave(units=20, demand=20)
    campaign = wave.campaign
    services.wave_confirm(wave=wave, by=manager, notify=False)
    # Eight more lines wait in the confirmed wave; the stock only covers five of them.
    pending = [
        Allocation.objects.create(wave=wave, application=approved_application(campaign, 12), quantity=12, position=i)
        for i in range(2, 10)
    ]
    ready_units(60, model="ThinkCentre M720s", manufacturer="Lenovo")
    ready_units(5, model="ProDesk 400", manufacturer="HP")

    # Every line confirmed by two managers at once (a double click, or two browsers).
    calls = [
        (lambda a=allocation: services.allocation_confirm(allocation=a, by=manager))
        for allocation in pending
        for _twice in range(2)
    ]
    outcomes = run_together(calls)

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    total = assert_consistent()
    assert total - 20 == 12 * 5  # 65 ready units: five lines of 12, whole
    assert sum(1 for o in outcomes if o[0] == "ok") == 5
    refused = [text for kind, text in outcomes if kind == "refused"]
    assert any("déjà « Confirmée »" in text for text in refused)
    assert any("stock prêt insuffisant" in text for text in refused)
    assert Computer.objects.filter(status="ready").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_units_locked_by_another_transaction_are_skipped_not_waited_for():
    wave, manager, units = planned_wave(units=30, demand=12)
    oldest = [u.pk for u in units[:12]]
    holding, release = threading.Event(), threading.Event()

    def hold_the_oldest_units():
        try:
            with transaction.atomic():
                list(Computer.objects.filter(pk__in=oldest).select_for_update())
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_oldest_units)
    holder.start()
    assert holding.wait(timeout=10)
    try:
        result = services.wave_confirm(wave=wave, by=manager, notify=False)
    finally:
        release.set()
        holder.join(timeout=30)
    taken = set(AllocationUnit.objects.values_list("computer_id", flat=True))
    assert result.units == 12 and len(taken) == 12
    assert taken.isdisjoint(oldest)
    assert_consistent()
