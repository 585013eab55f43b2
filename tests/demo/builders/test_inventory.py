"""The Marseille demo stock: 1000 realistic desktops, most of them wiped and ready, loaded fast."""

import io

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from accounts import roles
from demo.builders import inventory as demo
from inventory.models import Computer, ComputerEvent, Lot, WipeRecord
from tests.factories.accounts import staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def context():
    stock = staff_with_role(roles.INVENTORY_OPERATOR, email="stock@demo.test")
    return {"users": {"stock@demo.test": stock}, "stdout": io.StringIO(), "campaign": None, "applications": []}


def test_the_demo_lot_holds_1000_realistic_desktops(context):
    with CaptureQueriesContext(connection) as queries:
        demo.seed(context)
    assert len(queries) < 250  # bulk inserts: a few dozen queries, not one per unit
    lot = Lot.objects.get(reference=demo.LOT_REFERENCE)
    assert lot.donor.name == "Orange" and lot.expected_count == 1000
    counts = dict(lot.computers.values_list("status").annotate(n=Count("pk")))
    assert sum(counts.values()) == 1000
    assert counts["ready"] >= 960  # wave 1 needs 486, the rest of the campaign the remainder
    assert counts["reconditioning"] > 0 and 0 < counts["scrapped"] <= 10
    models = set(lot.computers.values_list("manufacturer", "model"))
    assert models == {("Dell", "OptiPlex 7070 SFF"), ("HP", "EliteDesk 800 G5 SFF"), ("Lenovo", "ThinkCentre M720s")}
    assert set(lot.computers.values_list("ram_gb", flat=True)) == {8, 16}
    assert set(Computer.objects.ready().values_list("os", flat=True)) == {"Windows 10 Pro", "Ubuntu 22.04 LTS"}
    assert not Computer.objects.filter(has_keyboard=False).exists()
    # Every ready unit has its evidence and its history.
    ready = Computer.objects.ready()
    assert not ready.filter(wipe_record__isnull=True).exists()
    assert WipeRecord.objects.filter(computer__status="ready", result="passed").count() == counts["ready"]
    first = ready.order_by("asset_tag").first()
    assert list(first.events.values_list("kind", flat=True)) == [
        "created",
        "status",
        "wipe",
        "functional_test",
        "status",
    ]
    assert not ready.filter(functional_test__isnull=True).exists()
    assert not ready.filter(functional_test__passed=False).exists()
    assert Computer.objects.filter(wipe_failed=True, status="reconditioning").exists()
    # "Oldest ready first" has something to sort: ready units came out over several weeks.
    assert ready.values("status_changed_at__date").distinct().count() > 10


def test_the_demo_is_idempotent(context):
    demo.seed(context)
    before = (Computer.objects.count(), ComputerEvent.objects.count(), WipeRecord.objects.count(), Lot.objects.count())
    demo.seed(context)
    after = (Computer.objects.count(), ComputerEvent.objects.count(), WipeRecord.objects.count(), Lot.objects.count())
    assert before == after
    assert "déjà là" in context["stdout"].getvalue()


def test_the_demo_units_serve_the_donations_services(context):
    from inventory.services import computers_hand_over, computers_reserve

    demo.seed(context)
    ids = list(Computer.objects.ready().order_by("status_changed_at", "pk").values_list("pk", flat=True)[:486])
    operator = context["users"]["stock@demo.test"]
    assert computers_reserve(computer_ids=ids, by=operator, note="Vague 1") == 486
    assert computers_hand_over(computer_ids=ids, by=operator) == 486
