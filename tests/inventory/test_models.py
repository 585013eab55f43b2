"""What the database itself refuses, whatever the code path (constraints and triggers)."""

import pytest
from django.db import IntegrityError, transaction

from inventory.models import Computer, WipeRecord
from tests.factories.inventory import ComputerFactory, LotFactory, passed_functional_tests

pytestmark = pytest.mark.django_db
S = Computer.Status


def _fails(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.parametrize("status", [S.READY, S.RESERVED, S.HANDED_OVER])
def test_a_unit_without_a_clearing_wipe_can_never_be_ready_reserved_or_handed_over(status):
    computer = ComputerFactory(status=S.RECONDITIONING)
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(status=status))
    computer.status = status
    _fails(lambda: computer.save())
    lot = LotFactory()
    _fails(
        lambda: Computer.objects.create(
            asset_tag="X-1", manufacturer="Dell", model="OptiPlex", serial_number="ABC", lot=lot, status=status
        )
    )
    computer.refresh_from_db()
    assert computer.status == S.RECONDITIONING


def test_a_failed_wipe_or_another_units_wipe_cannot_clear_a_unit():
    computer = ComputerFactory(status=S.RECONDITIONING)
    failed = WipeRecord.objects.create(computer=computer, kind="wipe", method="nist_clear", result="failed")
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(wipe_record=failed))
    other = ComputerFactory(status=S.READY)
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(wipe_record=other.wipe_record))
    passed = WipeRecord.objects.create(
        computer=computer, kind="wipe", method="nist_clear", result="passed", report_reference="R-1"
    )
    test = passed_functional_tests([computer])[0]
    Computer.objects.filter(pk=computer.pk).update(wipe_record=passed, functional_test=test, status=S.READY)
    computer.refresh_from_db()
    assert computer.status == S.READY


def test_a_wipe_record_cannot_be_changed_once_written():
    computer = ComputerFactory(status=S.READY)
    record = computer.wipe_record
    _fails(lambda: WipeRecord.objects.filter(pk=record.pk).update(result="failed"))
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "wipe", "method": "", "result": "passed", "report_reference": "R"},  # no method
        {"kind": "wipe", "method": "nist_clear", "result": "", "report_reference": "R"},  # no result
        {"kind": "wipe", "method": "nist_clear", "result": "passed", "report_reference": ""},  # no evidence
        {"kind": "exemption", "exemption": "no_drive", "exemption_reason": ""},  # no reason
        {"kind": "exemption", "exemption": "", "exemption_reason": "Pas de disque"},  # no type
        {"kind": "exemption", "exemption": "no_drive", "exemption_reason": "x", "method": "nist_clear"},  # mixed
    ],
)
def test_a_wipe_record_is_either_a_complete_wipe_or_a_typed_exemption(fields):
    computer = ComputerFactory()
    _fails(lambda: WipeRecord.objects.create(computer=computer, **fields))


def test_serial_numbers_are_unique_per_manufacturer_and_asset_tags_unique():
    ComputerFactory(manufacturer="Dell", serial_number="ABC1234", asset_tag="T-1")
    _fails(lambda: ComputerFactory(manufacturer="Dell", serial_number="ABC1234", asset_tag="T-2"))
    _fails(lambda: ComputerFactory(manufacturer="HP", serial_number="OTHER", asset_tag="T-1"))
    ComputerFactory(manufacturer="HP", serial_number="ABC1234", asset_tag="T-3")  # another maker: fine


def test_a_scrapped_unit_has_a_reason():
    computer = ComputerFactory()
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(status=S.SCRAPPED, scrap_reason=""))
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(status="lost"))


def test_a_scrapped_unit_records_its_end_of_life():
    computer = ComputerFactory()
    scrapped = {"status": S.SCRAPPED, "scrap_reason": "HS", "scrap_cause": "faulty", "storage_outcome": "removed"}
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(**scrapped, recycler=""))
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(**{**scrapped, "scrap_cause": ""}, recycler="R"))
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(storage_outcome="destroyed", storage_certificate=""))
    Computer.objects.filter(pk=computer.pk).update(**scrapped, recycler="ecosystem")


def test_lot_counts_are_annotated_in_one_query(django_assert_num_queries):
    lot = LotFactory()
    ComputerFactory.create_batch(3, lot=lot)
    ComputerFactory(lot=lot, status=S.READY)
    with django_assert_num_queries(1):
        annotated = type(lot).objects.with_counts().get(pk=lot.pk)
    assert annotated.received_count == 4
    assert annotated.n_received == 3
    assert annotated.n_ready == 1


def test_ready_queryset():
    first = ComputerFactory(status=S.READY)
    second = ComputerFactory(status=S.READY)
    ComputerFactory(status=S.RECONDITIONING)
    assert list(Computer.objects.ready().values_list("pk", flat=True).order_by("pk")) == [first.pk, second.pk]
