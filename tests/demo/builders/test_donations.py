"""seed_demo: the Marseille waves at every stage, idempotent."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from donations.models import Allocation, AllocationUnit, Wave
from inventory.models import Computer

pytestmark = pytest.mark.django_db
A = Allocation.Status


def test_seed_demo_builds_the_marseille_waves(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first, second, final = Wave.objects.filter(campaign__slug="marseille-2026").order_by("number")

    # Wave 1: 486 PCs to the 27 first approved associations, confirmed, units reserved (the
    # certificates demo, when present, then hands most of them over).
    assert first.capacity == 486
    assert first.status in (Wave.Status.CONFIRMED, Wave.Status.DISTRIBUTING)
    allocations = list(first.allocations.select_related("application__association").order_by("position"))
    assert len(allocations) == 27
    assert sum(a.quantity for a in allocations) == 486
    assert all(a.status in (A.CONFIRMED, A.HANDED_OVER) for a in allocations)
    assert all(a.quantity == a.application.granted_quantity for a in allocations)
    assert allocations[0].application.association.legal_name == "Médiation Numérique du Panier"
    assert allocations[0].reason == "accordé 30, 0 reçu, priorité 3"
    assert all(a.appointment_date is not None for a in allocations)
    assert AllocationUnit.objects.filter(allocation__wave=first, released_at__isnull=True).count() == 486
    marseille_units = Computer.objects.filter(lot__organiser=first.campaign.organiser)
    assert marseille_units.filter(status__in=["reserved", "handed_over"]).count() == 486
    for allocation in allocations:  # one lot and one model per association whenever possible
        assert allocation.units.values("computer__model").distinct().count() == 1

    # Wave 2: being planned; the final lot takes the rest of the small needs, below the minimum too.
    assert second.status == Wave.Status.PLANNING and not second.is_final_lot
    assert second.allocations.aggregate(n=Sum("quantity"))["n"] == 80
    assert final.status == Wave.Status.PLANNING and final.is_final_lot
    final_lines = {a.application.association.legal_name: a.quantity for a in final.allocations.all()}
    assert final_lines["Soutien Scolaire Numérique Malpassé"] == 7  # 22 granted, 15 in wave 2
    assert sum(final_lines.values()) == 27

    # Idempotent.
    before = (
        list(Allocation.objects.order_by("pk").values_list("pk", "quantity", "status")),
        AllocationUnit.objects.count(),
        list(Wave.objects.order_by("pk").values_list("pk", "status", "planned_at")),
    )
    call_command("seed_demo")
    after = (
        list(Allocation.objects.order_by("pk").values_list("pk", "quantity", "status")),
        AllocationUnit.objects.count(),
        list(Wave.objects.order_by("pk").values_list("pk", "status", "planned_at")),
    )
    assert after == before


def test_seed_skips_waves_without_stock(settings, campaign):
    from accounts.models import User
    from demo.builders import donations as demo

    settings.DEBUG = True
    manager = User.objects.create(email="manager@demo.test", is_staff=True)
    demo.seed({"campaign": campaign, "users": {"manager@demo.test": manager}, "applications": []})
    assert not Wave.objects.exists()
