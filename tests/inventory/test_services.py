"""Every allowed and forbidden transition, the wipe gate, bulk behaviour and history rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError, TransitionError
from inventory import services
from inventory.models import Computer, ComputerEvent, WipeRecord
from inventory.selectors import checklists_for
from tests.factories.accounts import reviewer
from tests.factories.campaigns import OrganiserFactory
from tests.factories.inventory import (
    ComputerFactory,
    LotFactory,
    passed_functional_tests,
    passed_wipe,
    ready_computers,
    stock_operator,
)

pytestmark = pytest.mark.django_db
S = Computer.Status
ALL_STATUSES = list(S.values)

END_OF_LIFE = {"cause": "faulty", "storage_outcome": "removed", "recycler": "ecosystem"}
OPERATOR_MOVES = {
    "start_reconditioning": services.computers_start_reconditioning,
    "mark_ready": services.computers_mark_ready,
    "scrap": lambda **kw: services.computers_scrap(reason="Carte mère hors service", **END_OF_LIFE, **kw),
}
DONATIONS_MOVES = {
    "reserve": services.computers_reserve,
    "release": services.computers_release,
    "hand_over": services.computers_hand_over,
    "refuse_at_handover": services.computers_refuse_at_handover,
    "return_faulty": services.computers_return_faulty,  # a faulty unit replaced under warranty (donations' swap)
}


def unit(status: str, *, wiped: bool = True, tested: bool = True) -> Computer:
    """A unit in ``status``; in the workshop it has a passed wipe unless ``wiped`` is False and a passed functional
    test unless ``tested`` is False."""
    computer = ComputerFactory(status=status)
    if status in (S.RECEIVED, S.RECONDITIONING, S.SCRAPPED) and wiped:
        record = passed_wipe(computer, report_reference="R")
        Computer.objects.filter(pk=computer.pk).update(wipe_record=record)
    if status in (S.RECEIVED, S.RECONDITIONING, S.SCRAPPED) and tested:
        test = passed_functional_tests([computer])[0]
        Computer.objects.filter(pk=computer.pk).update(functional_test=test)
    computer.refresh_from_db()
    return computer


def test_the_table_of_transitions_is_the_documented_flow():
    assert services.TRANSITIONS[S.RECEIVED] == {S.RECONDITIONING, S.SCRAPPED}
    assert services.TRANSITIONS[S.RECONDITIONING] == {S.READY, S.SCRAPPED}
    assert services.TRANSITIONS[S.READY] == {S.RESERVED, S.RECONDITIONING, S.SCRAPPED}
    assert services.TRANSITIONS[S.RESERVED] == {S.READY, S.HANDED_OVER, S.RECONDITIONING}
    assert services.TRANSITIONS[S.HANDED_OVER] == {S.RECONDITIONING}  # replaced under warranty (support app)
    assert services.TRANSITIONS[S.SCRAPPED] == set()
    # Only the donations services reach or leave "reserved" and "handed over" (scrapping aside).
    for move, (_sources, to) in services.MOVES.items():
        if to in (S.RESERVED, S.HANDED_OVER) or (to == S.READY and move != "mark_ready") or S.RESERVED in _sources:
            assert move in DONATIONS_MOVES


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("move", list(OPERATOR_MOVES))
def test_operator_moves_from_every_status(move, status, operator):
    computer = unit(status)
    sources, to = services.MOVES[move]
    result = OPERATOR_MOVES[move](computer_ids=[computer.pk], by=operator)
    computer.refresh_from_db()
    if status in sources:
        assert [c.pk for c in result.done] == [computer.pk] and not result.refused
        assert computer.status == to
        event = computer.events.get()
        assert (event.from_status, event.to_status, event.actor, event.kind) == (status, to, operator, "status")
        assert event.actor_label == "Samia Stock"
        assert computer.status_changed_at == event.created_at
    else:
        assert not result.done and [r.computer.pk for r in result.refused] == [computer.pk]
        expected = "retirez-le d'abord" if (move, status) == ("scrap", S.RESERVED) else "impossible"
        assert expected in result.refused[0].reason
        assert computer.status == status
        assert not computer.events.exists()


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("move", list(DONATIONS_MOVES))
def test_donations_moves_from_every_status(move, status, operator):
    computer = unit(status)
    sources, to = services.MOVES[move]
    if status in sources:
        assert DONATIONS_MOVES[move](computer_ids=[computer.pk], by=operator, note="Vague 1") == 1
        computer.refresh_from_db()
        assert computer.status == to
        event = computer.events.get()
        assert (event.from_status, event.to_status, event.note) == (status, to, "Vague 1")
    else:
        with pytest.raises(TransitionError) as error:
            DONATIONS_MOVES[move](computer_ids=[computer.pk], by=operator)
        assert computer.asset_tag in str(error.value)
        assert "Aucun ordinateur n'a été modifié" in str(error.value)
        computer.refresh_from_db()
        assert computer.status == status
        assert not computer.events.exists()


def test_reserve_is_all_or_nothing_and_names_the_refused_units(operator):
    ready = ready_computers(3)
    busy = unit(S.RECONDITIONING)
    ids = [c.pk for c in ready] + [busy.pk, 999999]
    with pytest.raises(TransitionError) as error:
        services.computers_reserve(computer_ids=ids, by=operator)
    message = str(error.value)
    assert busy.asset_tag in message and "999999" in message and "En reconditionnement" in message
    assert Computer.objects.filter(status=S.READY).count() == 3
    assert not ComputerEvent.objects.exists()
    assert services.computers_reserve(computer_ids=[], by=operator) == 0


def test_bulk_moves_use_a_constant_number_of_queries(operator):
    small = [c.pk for c in ready_computers(5)]
    large = [c.pk for c in ready_computers(60)]
    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            services.computers_reserve(computer_ids=ids, by=operator)
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            services.computers_hand_over(computer_ids=ids, by=operator)
        counts.append(len(queries))
    assert counts[0] == counts[2] and counts[1] == counts[3]
    assert counts[0] <= 6
    assert Computer.objects.filter(status=S.HANDED_OVER).count() == 65
    assert ComputerEvent.objects.count() == 130


def test_operator_bulk_moves_use_a_constant_number_of_queries(operator):
    lot = LotFactory()
    small = [ComputerFactory(lot=lot).pk for _ in range(3)]
    large = [ComputerFactory(lot=lot).pk for _ in range(40)]
    operator.has_perm("inventory.record_wipe")  # the permission cache is filled once per request
    checklist = [services.ItemResult(label, True) for label in checklists_for(small)[small[0]].labels]
    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            services.computers_start_reconditioning(computer_ids=ids, by=operator)
            services.computers_record_wipe(
                computer_ids=ids, by=operator, method="nist_purge", result="passed", report_reference="R-42"
            )
            services.computers_record_functional_test(computer_ids=ids, by=operator, results=checklist)
            services.computers_mark_ready(computer_ids=ids, by=operator)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Computer.objects.ready().count() == 43


# The wipe gate -----------------------------------------------------------------------------------


def test_mark_ready_needs_a_passed_wipe_or_an_exemption(operator):
    never = unit(S.RECONDITIONING, wiped=False)
    result = services.computers_mark_ready(computer_ids=[never.pk], by=operator)
    assert result.refused[0].reason == "aucun effacement réussi ni exemption enregistré"

    services.computers_record_wipe(computer_ids=[never.pk], by=operator, method="nist_clear", result="failed")
    never.refresh_from_db()
    assert never.wipe_failed and never.wipe_record is None
    result = services.computers_mark_ready(computer_ids=[never.pk], by=operator)
    assert "a échoué" in result.refused[0].reason

    services.computers_record_wipe(
        computer_ids=[never.pk], by=operator, kind="exemption", exemption="no_drive", exemption_reason="Pas de disque."
    )
    result = services.computers_mark_ready(computer_ids=[never.pk], by=operator)
    assert result.count == 1
    never.refresh_from_db()
    assert never.status == S.READY and never.wipe_record.kind == "exemption" and not never.wipe_failed


def test_the_latest_wipe_decides(operator):
    computer = unit(S.RECONDITIONING)
    assert computer.wipe_record is not None
    services.computers_record_wipe(computer_ids=[computer.pk], by=operator, method="nist_purge", result="failed")
    computer.refresh_from_db()
    assert computer.wipe_record is None and computer.wipe_failed
    assert not services.computers_mark_ready(computer_ids=[computer.pk], by=operator).done
    services.computers_record_wipe(
        computer_ids=[computer.pk], by=operator, method="destroy", result="passed", report_reference="CERT-1"
    )
    computer.refresh_from_db()
    assert computer.wipe_record.method == "destroy" and not computer.wipe_failed
    assert services.computers_mark_ready(computer_ids=[computer.pk], by=operator).count == 1


def test_a_unit_needing_a_part_is_not_ready(operator):
    computer = unit(S.RECONDITIONING)
    Computer.objects.filter(pk=computer.pk).update(needs_spare_part=True)
    result = services.computers_mark_ready(computer_ids=[computer.pk], by=operator)
    assert result.refused[0].reason == "une pièce est à remplacer"


def test_operator_moves_report_each_unit(operator):
    ok = unit(S.RECONDITIONING)
    not_wiped = unit(S.RECONDITIONING, wiped=False)
    received = unit(S.RECEIVED)
    result = services.computers_mark_ready(computer_ids=[ok.pk, not_wiped.pk, received.pk, 424242], by=operator)
    assert [c.pk for c in result.done] == [ok.pk]
    assert {r.computer.pk: r.reason for r in result.refused} == {
        not_wiped.pk: "aucun effacement réussi ni exemption enregistré",
        received.pk: "statut « Reçu » : passage à « Prêt » impossible",
    }
    assert result.missing == [424242]


# Recording wipes ---------------------------------------------------------------------------------


def test_record_wipe_for_a_selection_writes_one_record_and_one_history_row_each(operator):
    computers = [unit(S.RECONDITIONING, wiped=False) for _ in range(3)] + [unit(S.RECEIVED, wiped=False)]
    result = services.computers_record_wipe(
        computer_ids=[c.pk for c in computers],
        by=operator,
        method="nist_purge",
        tool="Blancco Drive Eraser",
        tool_version="7.9",
        result="passed",
        report_reference="BDE-2026-0001",
        performed_on=timezone.localdate() - datetime.timedelta(days=1),
        note="Série du matin",
    )
    assert result.count == 4
    for computer in computers:
        computer.refresh_from_db()
        record = computer.wipe_record
        assert record.computer_id == computer.pk and record.actor == operator
        assert record.actor_label == "Samia Stock" and record.report_reference == "BDE-2026-0001"
        event = computer.events.get()
        assert event.kind == "wipe" and "Purge" in event.note and "Série du matin" in event.note


@pytest.mark.parametrize("status", [S.READY, S.RESERVED, S.HANDED_OVER])
def test_a_wipe_is_not_recorded_on_a_unit_already_cleared_for_handover(status, operator):
    computer = unit(status)
    result = services.computers_record_wipe(
        computer_ids=[computer.pk], by=operator, method="nist_clear", result="failed"
    )
    assert not result.done and result.refused
    assert computer.wipe_records.count() == 1


def test_scrapped_units_can_get_their_destruction_certificate(operator):
    computer = unit(S.SCRAPPED, wiped=False)
    outcome = services.computers_record_wipe(
        computer_ids=[computer.pk], by=operator, method="destroy", result="passed", report_reference="CERT-DESTR-7"
    )
    assert outcome.done and not outcome.refused
    assert computer.wipe_records.order_by("-pk").first().method == "destroy"


@pytest.mark.parametrize(
    "data",
    [
        {"method": "", "result": "passed", "report_reference": "R"},
        {"method": "nist_clear", "result": "", "report_reference": "R"},
        {"method": "nist_clear", "result": "passed", "report_reference": ""},
        {"kind": "exemption", "exemption": "no_drive", "exemption_reason": "  "},
        {"kind": "exemption", "exemption": "", "exemption_reason": "Pas de disque"},
        {
            "method": "nist_clear",
            "result": "passed",
            "report_reference": "R",
            "performed_on": datetime.date(2999, 1, 1),
        },
    ],
)
def test_incomplete_wipe_records_are_refused(data, operator):
    computer = unit(S.RECONDITIONING, wiped=False)
    with pytest.raises(DomainError):
        services.computers_record_wipe(computer_ids=[computer.pk], by=operator, **data)
    assert not WipeRecord.objects.filter(computer=computer).exists()


def test_only_inventory_operators_record_wipes():
    computer = unit(S.RECONDITIONING, wiped=False)
    with pytest.raises(DomainError):
        services.computers_record_wipe(
            computer_ids=[computer.pk], by=reviewer(), method="nist_clear", result="passed", report_reference="R"
        )
    with pytest.raises(DomainError):
        services.computers_record_wipe(
            computer_ids=[computer.pk], by=None, method="nist_clear", result="passed", report_reference="R"
        )
    assert not computer.wipe_records.exists()


# Scrapping ---------------------------------------------------------------------------------------


def test_a_reserved_unit_must_leave_its_allocation_before_it_is_scrapped(operator):
    computer = unit(S.RESERVED)
    result = services.computers_scrap(computer_ids=[computer.pk], by=operator, reason="Carte mère HS", **END_OF_LIFE)
    assert result.count == 0
    assert "retirez-le d'abord de son attribution" in str(result.refused)
    computer.refresh_from_db()
    assert computer.status == S.RESERVED


def test_scrap_needs_a_reason_and_keeps_it(operator):
    computer = unit(S.READY)
    with pytest.raises(DomainError):
        services.computers_scrap(computer_ids=[computer.pk], by=operator, reason="   ", **END_OF_LIFE)
    result = services.computers_scrap(
        computer_ids=[computer.pk], by=operator, reason="Écran de POST : carte mère HS", **END_OF_LIFE
    )
    assert result.count == 1
    computer.refresh_from_db()
    assert computer.status == S.SCRAPPED and computer.scrap_reason == "Écran de POST : carte mère HS"
    assert computer.events.get().note == "Écran de POST : carte mère HS"


# Single units and lots ---------------------------------------------------------------------------


def test_create_and_update_a_unit_keep_its_history(operator, lot):
    computer = services.computer_create(
        by=operator, lot=lot, manufacturer="dell inc.", model="OptiPlex 7070 SFF", serial_number=" 4k7 xq23 "
    )
    assert (computer.manufacturer, computer.serial_number, computer.asset_tag) == (
        "Dell",
        "4K7XQ23",
        "ORANGE-2026-01-0001",
    )
    assert computer.status == S.RECEIVED and computer.events.get().kind == "created"
    services.computer_update(computer=computer, by=operator, ram_gb=16, os="Ubuntu 22.04 LTS")
    event = computer.events.order_by("pk").last()
    assert event.kind == "updated" and "16" in event.note and "Ubuntu" in event.note
    with pytest.raises(DomainError):
        services.computer_update(computer=computer, by=operator, status=S.READY)
    with pytest.raises(DomainError):
        services.computer_create(by=operator, lot=lot, manufacturer="Dell", model="X", serial_number="4K7XQ23")


def test_a_handed_over_unit_is_final(operator):
    computer = unit(S.HANDED_OVER)
    with pytest.raises(DomainError):
        services.computer_update(computer=computer, by=operator, notes="changement")


def _lot_create(operator, *, reference: str, site: str = "Marseille"):
    """A lot of Orange arrived today, created through the service."""
    from campaigns.models import Donor

    donor, _ = Donor.objects.get_or_create(name="Orange")
    return services.lot_create(
        by=operator,
        organiser=OrganiserFactory(),
        donor=donor,
        reference=reference,
        arrival_date=timezone.localdate(),
        site=site,
    )


def test_lot_reference_is_normalised_and_short_enough(operator):
    lot = _lot_create(operator, reference=" orange-2026-02 ")
    assert lot.reference == "ORANGE-2026-02"
    with pytest.raises(DomainError):
        _lot_create(operator, reference="X" * 30, site="M")


def test_lot_changes_record_who_made_them(operator, caplog):
    with caplog.at_level("INFO", logger="inventory.services"):
        lot = _lot_create(operator, reference="L-1")
        services.lot_update(lot=lot, by=operator, site="Vitrolles")
    created, updated = [r for r in caplog.records if r.name == "inventory.services"]
    assert (created.getMessage(), created.lot_id, created.by_id) == ("lot created", lot.pk, operator.pk)
    assert (updated.getMessage(), updated.by_id, updated.fields) == ("lot updated", operator.pk, ["site"])


def test_the_shared_factory_path_of_the_donations_app_works():
    from tests.factories.inventory import ready_units

    computers = ready_units(4)
    assert {c.status for c in computers} == {S.READY}
    assert stock_operator().has_perm("inventory.record_wipe")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cause": "bogus"}, "cause"),
        ({"storage_outcome": ""}, "storage_outcome"),
        ({"storage_outcome": "unrecorded"}, "storage_outcome"),
        ({"storage_outcome": "destroyed"}, "storage_certificate"),
        ({"recycler": "  "}, "recycler"),
    ],
)
def test_scrapping_says_where_the_unit_and_its_storage_went(changes, field, operator):
    computer = unit(S.READY)
    with pytest.raises(DomainError) as error:
        services.computers_scrap(computer_ids=[computer.pk], by=operator, reason="HS", **{**END_OF_LIFE, **changes})
    assert error.value.field == field
    computer.refresh_from_db()
    assert computer.status == S.READY and not computer.events.exists()


def test_a_destroyed_storage_keeps_its_certificate_and_the_take_back_its_reference(operator):
    computer = unit(S.RECONDITIONING, wiped=False)
    result = services.computers_scrap(
        computer_ids=[computer.pk],
        by=operator,
        reason="Châssis fendu",
        cause="damaged",
        storage_outcome="destroyed",
        storage_certificate=" CERT-42 ",
        recycler="ecosystem",
        recycler_reference="BSD-7",
        parts_kept="8 Go de mémoire",
    )
    assert result.count == 1
    computer.refresh_from_db()
    assert (computer.scrap_cause, computer.storage_outcome, computer.storage_certificate) == (
        "damaged",
        "destroyed",
        "CERT-42",
    )
    assert (computer.recycler, computer.recycler_reference, computer.parts_kept) == (
        "ecosystem",
        "BSD-7",
        "8 Go de mémoire",
    )


def test_wiped_storage_needs_a_real_wipe_not_an_exemption(operator):
    wiped = unit(S.READY)  # a passed wipe
    not_wiped = unit(S.RECONDITIONING, wiped=False)
    exempt = unit(S.RECONDITIONING, wiped=False)
    services.computers_record_wipe(
        computer_ids=[exempt.pk], by=operator, kind="exemption", exemption="no_drive", exemption_reason="Pas de disque"
    )
    result = services.computers_scrap(
        computer_ids=[wiped.pk, not_wiped.pk, exempt.pk],
        by=operator,
        reason="Obsolète",
        cause="obsolete",
        storage_outcome="wiped",
        recycler="ecosystem",
    )
    assert [c.pk for c in result.done] == [wiped.pk]
    assert {r.computer.pk for r in result.refused} == {not_wiped.pk, exempt.pk}
    assert "aucun effacement réussi" in str(result.refused)
    assert Computer.objects.get(pk=not_wiped.pk).status == S.RECONDITIONING


def test_large_selections_are_written_in_slices(operator, monkeypatch):
    monkeypatch.setattr(services, "SLICE", 3)
    monkeypatch.setattr(services, "BATCH", 4)
    ids = [c.pk for c in ready_computers(10)]
    assert services.computers_reserve(computer_ids=ids, by=operator) == 10
    assert services.computers_release(computer_ids=ids, by=operator) == 10
    result = services.computers_scrap(computer_ids=ids, by=operator, reason="Lot noyé dans l'entrepôt", **END_OF_LIFE)
    assert result.count == 10
    assert Computer.objects.filter(status=S.SCRAPPED).count() == 10
    assert ComputerEvent.objects.count() == 30


def test_a_ready_unit_cannot_wait_for_a_part(operator):
    computer = unit(S.READY)
    with pytest.raises(DomainError):
        services.computer_update(computer=computer, by=operator, needs_spare_part=True)
    services.computers_start_reconditioning(computer_ids=[computer.pk], by=operator, note="Ventilateur bruyant")
    services.computer_update(computer=computer, by=operator, needs_spare_part=True)
    computer.refresh_from_db()
    assert computer.needs_spare_part and computer.status == S.RECONDITIONING
