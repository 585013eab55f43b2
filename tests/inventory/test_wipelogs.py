"""Reading the wiping tools' reports (nwipe, Blancco XML and CSV) and matching them to units."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import WipeEvidence, WipeRecord
from inventory.wipelogs import MAX_REPORT_BYTES, ReportError, check_reports, nist_method, read_report
from tests.factories.inventory import ComputerFactory
from tests.inventory.wipe_samples import Drive, blancco_csv, blancco_xml, nwipe_log

PARIS = datetime.timezone(datetime.timedelta(hours=1))  # March 2026: winter time in Paris


@pytest.fixture(autouse=True)
def fixed_day():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


# Formats ------------------------------------------------------------------------------------------


def test_nwipe_log_gives_each_drive_its_wipe():
    data = nwipe_log(
        Drive("Z3TX1234", device="sda"),
        Drive("WD-WCC4N0KX", model="WDC WD10EZEX-08W", device="sdb", status="FAILED"),
        method="PRNG Stream",
        verify="VA",
    )
    report = read_report("session.log", data)
    assert report.format == WipeEvidence.Format.NWIPE
    first, second = report.drives
    assert (first.disk_serial, first.disk_model) == ("Z3TX1234", "ST500DM002-1BD14")
    assert first.method == WipeRecord.Method.NIST_CLEAR
    assert first.method_label == "PRNG Stream"
    assert (first.tool, first.tool_version) == ("nwipe", "0.35")
    assert first.result == WipeRecord.Result.PASSED
    assert second.result == WipeRecord.Result.FAILED
    assert first.verification == "toutes les passes vérifiées (VA)"
    # Without « Invoking method » lines: the end is when the table was written, the start its duration before.
    assert first.ended_at == datetime.datetime(2026, 3, 2, 11, 32, 32, tzinfo=PARIS)
    assert first.started_at == first.ended_at - datetime.timedelta(hours=1, minutes=8, seconds=42)
    assert first.reference == f"nwipe {report.sha256[:12]} sda"


def test_nwipe_start_comes_from_its_invoking_line():
    started = datetime.datetime(2026, 3, 2, 8, 0, 0)
    report = read_report("s.txt", nwipe_log(Drive("Z3TX1234"), started=started, method="Fill With Zeros"))
    (drive,) = report.drives
    assert drive.started_at == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)
    assert drive.ended_at == drive.started_at + datetime.timedelta(hours=1, minutes=8, seconds=42)
    assert drive.method == WipeRecord.Method.NIST_CLEAR


@pytest.mark.parametrize(
    "data, reason",
    [
        (nwipe_log(Drive("Z3TX1234"), method="Verify Zeros"), "vérifie le disque sans l'effacer"),
        (b"[2026/03/02 10:00:00] notice: nwipe 0.35\nwiping...\n", "Drive Status"),
        (nwipe_log(Drive("Z3TX1234")).split(b"[2026/03/02 11:32:32] Total")[0], "Total Throughput"),
        (b"hello world\n", "pas un journal nwipe"),
    ],
    ids=["verify-only", "no-table", "interrupted", "not-nwipe"],
)
def test_nwipe_logs_that_prove_no_wipe_are_refused(data, reason):
    with pytest.raises(ReportError) as error:
        read_report("x.log", data)
    assert reason in error.value.message


def test_blancco_xml_gives_standard_times_verification_and_reference():
    report = read_report("rapport.XML", blancco_xml(Drive("S3Z9NB0K123456"), standard="NIST 800-88 Purge"))
    assert report.format == WipeEvidence.Format.BLANCCO_XML
    (drive,) = report.drives
    assert drive.disk_serial == "S3Z9NB0K123456"
    assert drive.disk_model == "Samsung ST500DM002-1BD14"
    assert drive.capacity == "256060514304"
    assert drive.method == WipeRecord.Method.NIST_PURGE
    assert (drive.tool, drive.tool_version) == ("Blancco Drive Eraser", "7.9.0")
    assert drive.started_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
    assert drive.ended_at == datetime.datetime(2026, 3, 2, 9, 41, 10, tzinfo=PARIS)
    assert drive.verification == "Full verification"
    assert drive.result == WipeRecord.Result.PASSED
    assert "7f3c2a10-5b1e-4c1d-9a7e-0c2b7d5e9f01" in drive.reference


def test_blancco_csv_in_french_and_in_english():
    french = read_report(
        "export.csv", blancco_csv({"serial": "s3z9 nb0k", "uuid": "R-1"}, {"serial": "AB12", "result": "Failed"})
    )
    assert [d.disk_serial for d in french.drives] == ["S3Z9NB0K", "AB12"]
    assert french.drives[0].method == WipeRecord.Method.NIST_PURGE  # « Blancco SSD Erasure »
    assert french.drives[0].started_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
    assert french.drives[0].reference == "Blancco R-1"
    assert french.drives[1].result == WipeRecord.Result.FAILED
    english = read_report(
        "export.csv",
        blancco_csv(
            {"serial": "XY9", "standard": "HMG Infosec Standard 5, Higher Standard", "end": "2026-03-02T10:00:00Z"},
            delimiter=",",
        ),
    )
    (drive,) = english.drives
    assert drive.method == WipeRecord.Method.NIST_CLEAR
    assert drive.ended_at == datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "label, method",
    [
        ("DoD Short", WipeRecord.Method.NIST_CLEAR),
        ("DoD 5220.22-M", WipeRecord.Method.NIST_CLEAR),
        ("Gutmann Wipe", WipeRecord.Method.NIST_CLEAR),
        ("Zero Fill", WipeRecord.Method.NIST_CLEAR),
        ("RCMP TSSIT OPS-II", WipeRecord.Method.NIST_CLEAR),
        ("NIST 800-88 Clear", WipeRecord.Method.NIST_CLEAR),
        ("NIST 800-88 Purge", WipeRecord.Method.NIST_PURGE),
        ("Cryptographic Erase", WipeRecord.Method.NIST_PURGE),
        ("NVMe Secure Erase", WipeRecord.Method.NIST_PURGE),
        ("Physical destruction", WipeRecord.Method.DESTROY),
    ],
)
def test_tool_methods_in_nist_words(label, method):
    assert nist_method(label) == method


def test_unknown_method_is_refused():
    with pytest.raises(ReportError) as error:
        nist_method("Quick format")
    assert "non reconnue" in error.value.message


# Hostile files -------------------------------------------------------------------------------------


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<root><blancco_erasure_report>&lol2;</blancco_erasure_report></root>"""


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("rapport.xml", b"Serial;Model\nAB;CD\n", "n'est pas un XML lisible"),
        ("rapport.xml", BOMB, "DTD"),
        ("rapport.xml", b"<root><other/></root>", "pas un rapport Blancco"),
        ("rapport.log", b"x" * (MAX_REPORT_BYTES + 1), "trop volumineux"),
        ("rapport.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binaire"),
        ("rapport.exe", b"MZ", "format non pris en charge"),
        ("rapport.csv", b"", "vide"),
        ("rapport.csv", b"Serial;Model\nAB;CD\n", "colonnes absentes"),
        ("rapport.csv", blancco_csv({"serial": "AB", "end": "hier"}), "illisible"),
        ("rapport.csv", blancco_csv({"serial": "A" * 65}), "trop long"),
        ("rapport.csv", blancco_csv({"serial": "AB", "result": "Peut-être"}), "non reconnu"),
    ],
    ids=[
        "csv-as-xml",
        "xml-bomb",
        "other-xml",
        "huge",
        "binary",
        "exe",
        "empty",
        "csv-columns",
        "bad-date",
        "long-serial",
        "result",
    ],
)
def test_hostile_or_lying_files_are_refused_with_their_reason(name, data, reason):
    with pytest.raises(ReportError) as error:
        read_report(name, data)
    assert reason in error.value.message


# Matching ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_drive_matches_the_unit_recording_its_disk_serial_before_a_unit_serial():
    by_disk = ComputerFactory(disk_serial="Z3TX1234", status="reconditioning")
    ComputerFactory(serial_number="Z3TX1234", manufacturer="HP")  # its own serial: the disk's record wins
    by_serial = ComputerFactory(serial_number="CZC1234XYZ")
    plan = check_reports([("a.log", nwipe_log(Drive("Z3TX1234"))), ("b.xml", blancco_xml(Drive("czc1234xyz")))])
    assert [d.computer for f in plan.files for d in f.drives] == [by_disk, by_serial]
    assert not plan.rejected
    assert len(plan.importable) == 2


@pytest.mark.django_db
def test_unknown_ambiguous_and_departed_units_are_listed_with_their_reason():
    ComputerFactory(disk_serial="TWICE1", asset_tag="PC-A")
    ComputerFactory(disk_serial="TWICE1", asset_tag="PC-B")
    ComputerFactory(disk_serial="READY1", asset_tag="PC-R", status="ready")
    plan = check_reports(
        [
            ("unknown.log", nwipe_log(Drive("NOBODY"))),
            ("twice.log", nwipe_log(Drive("TWICE1"))),
            ("ready.csv", blancco_csv({"serial": "READY1"})),
            ("html.csv", blancco_csv({"serial": "<script>alert(1)</script>"})),
        ]
    )
    reasons = [f.reasons for f in plan.files]
    assert "aucun ordinateur" in reasons[0][0]
    assert "plusieurs ordinateurs" in reasons[1][0] and "PC-A, PC-B" in reasons[1][0]
    assert "PC-R" in reasons[2][0] and "Prêt" in reasons[2][0]
    assert "aucun ordinateur" in reasons[3][0]
    assert not plan.importable
    assert len(plan.rejected) == 4


@pytest.mark.django_db
def test_a_wipe_ending_in_the_future_is_refused():
    ComputerFactory(disk_serial="Z3TX1234")
    later = timezone.localtime().replace(tzinfo=None) + datetime.timedelta(days=2)
    plan = check_reports([("a.log", nwipe_log(Drive("Z3TX1234"), ended=later))])
    assert "futur" in plan.files[0].reasons[0]


@pytest.mark.django_db
def test_the_same_file_twice_in_a_batch_is_refused_once():
    ComputerFactory(disk_serial="Z3TX1234")
    data = nwipe_log(Drive("Z3TX1234"))
    plan = check_reports([("a.log", data), ("copie.log", data)])
    assert not plan.files[0].rejected
    assert "même contenu que « a.log »" in plan.files[1].error


@pytest.mark.django_db
def test_checking_takes_the_same_queries_for_one_report_or_many():
    for n in range(12):
        ComputerFactory(disk_serial=f"DISK{n:03d}")
    with CaptureQueriesContext(connection) as one:
        check_reports([("a.log", nwipe_log(Drive("DISK000")))])
    with CaptureQueriesContext(connection) as many:
        check_reports([(f"r{n}.log", nwipe_log(Drive(f"DISK{n:03d}"), method=f"DoD Short {n}")) for n in range(12)])
    assert len(one.captured_queries) == len(many.captured_queries) == 2
