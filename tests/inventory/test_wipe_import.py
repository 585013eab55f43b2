"""Importing wipe reports: the service (records, evidence, idempotence, all or nothing), the command, the admin page."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import DomainError
from core.models import HeldUpload
from inventory.models import Computer, ComputerEvent, WipeEvidence, WipeRecord
from inventory.services import wipe_reports_import
from tests.admin_forms import no_inline_rows
from tests.factories.inventory import ComputerFactory, nwipe_record
from tests.inventory.wipe_samples import Drive, blancco_csv, blancco_xml, nwipe_log
from tests.roles import ROLES, make_user

pytestmark = pytest.mark.django_db
PARIS = datetime.timezone(datetime.timedelta(hours=1))
PAGE = "admin:inventory_computer_wipe_reports"


@pytest.fixture(autouse=True)
def fixed_day():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def units():
    return {
        "nwipe": ComputerFactory(asset_tag="PC-0001", disk_serial="Z3TX1234", status="reconditioning"),
        "xml": ComputerFactory(asset_tag="PC-0002", serial_number="CZC1234XYZ", manufacturer="HP"),
        "csv": ComputerFactory(asset_tag="PC-0003", disk_serial="S3Z9NB0K"),
    }


def good_files():
    return [
        ("nwipe-sda.log", nwipe_log(Drive("Z3TX1234"))),
        ("blancco.xml", blancco_xml(Drive("CZC1234XYZ"))),
        ("blancco.csv", blancco_csv({"serial": "S3Z9NB0K", "uuid": "R-77"})),
    ]


# The service -----------------------------------------------------------------------------------------


def test_each_matched_drive_gets_its_wipe_record_and_the_file_is_kept(units, operator):
    plan = wipe_reports_import(files=good_files(), by=operator)
    assert plan.applied and plan.recorded == 3
    record = WipeRecord.objects.get(computer=units["nwipe"])
    assert record.method == WipeRecord.Method.NIST_CLEAR
    assert (record.tool, record.tool_version, record.result) == ("nwipe", "0.35", "passed")
    assert record.ended_at == datetime.datetime(2026, 3, 2, 11, 32, 32, tzinfo=PARIS)
    assert record.started_at == datetime.datetime(2026, 3, 2, 10, 23, 50, tzinfo=PARIS)
    assert record.performed_on == datetime.date(2026, 3, 2)
    assert record.verification == "dernière passe vérifiée (VL)"
    assert record.disk_serial == "Z3TX1234"
    assert record.actor == operator
    with record.evidence.file.open("rb") as handle:
        assert handle.read() == good_files()[0][1]
    assert record.evidence.original_name == "nwipe-sda.log"
    assert record.evidence.format == WipeEvidence.Format.NWIPE
    xml = WipeRecord.objects.get(computer=units["xml"])
    assert xml.method == WipeRecord.Method.NIST_PURGE and xml.evidence.format == "blancco_xml"
    csv_record = WipeRecord.objects.get(computer=units["csv"])
    assert csv_record.report_reference == "Blancco R-77"
    for computer in units.values():
        computer.refresh_from_db()
        assert computer.wipe_record is not None and not computer.wipe_failed
    event = ComputerEvent.objects.get(computer=units["nwipe"], kind=ComputerEvent.Kind.WIPE)
    assert "nwipe-sda.log" in event.note and event.actor == operator


def test_a_failed_wipe_flags_the_unit(units, operator):
    wipe_reports_import(files=[("a.log", nwipe_log(Drive("Z3TX1234", status="FAILED")))], by=operator)
    computer = Computer.objects.get(pk=units["nwipe"].pk)
    assert computer.wipe_failed and computer.wipe_record is None
    assert WipeRecord.objects.get(computer=computer).result == WipeRecord.Result.FAILED


def test_importing_the_same_reports_twice_records_nothing_more(units, operator):
    wipe_reports_import(files=good_files(), by=operator)
    again = wipe_reports_import(files=good_files(), by=operator)
    assert again.applied and again.recorded == 0 and again.already == 3
    assert WipeRecord.objects.count() == 3
    assert WipeEvidence.objects.count() == 3


def test_one_refused_report_and_nothing_is_recorded(units, operator):
    files = [*good_files(), ("inconnu.log", nwipe_log(Drive("NOBODY1")))]
    plan = wipe_reports_import(files=files, by=operator)
    assert not plan.applied and len(plan.rejected) == 1
    assert not WipeRecord.objects.exists() and not WipeEvidence.objects.exists()


def test_asked_for_it_the_matched_reports_are_recorded_and_the_refused_ones_change_nothing(units, operator):
    ComputerFactory(disk_serial="TWICE", asset_tag="PC-A")
    ComputerFactory(disk_serial="TWICE", asset_tag="PC-B")
    files = [*good_files(), ("double.xml", blancco_xml(Drive("TWICE"), document_id="D-2")), ("bad.xml", b"<not xml")]
    plan = wipe_reports_import(files=files, by=operator, partial=True)
    assert plan.applied and plan.recorded == 3
    assert not WipeRecord.objects.filter(computer__asset_tag__in=["PC-A", "PC-B"]).exists()
    assert WipeEvidence.objects.count() == 3


def test_only_inventory_operators_import(units):
    with pytest.raises(DomainError):
        wipe_reports_import(files=good_files(), by=make_user("manager"))
    assert not WipeRecord.objects.exists()


def test_the_database_refuses_a_second_record_of_the_same_drive_of_a_report(units, operator):
    from django.db import IntegrityError, transaction

    wipe_reports_import(files=good_files()[:1], by=operator)
    record = WipeRecord.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        WipeRecord.objects.create(
            computer=record.computer,
            method=record.method,
            result="failed",
            evidence=record.evidence,
            disk_serial=record.disk_serial,
        )


# The command -----------------------------------------------------------------------------------------


def run_command(capsys, *args):
    """The command as ``manage.py`` runs it: its output, and the exit status a CommandError gives."""
    from django.core.management import CommandError, call_command

    code = 0
    try:
        call_command("import_wipe_logs", *args)
    except CommandError as error:
        code = error.returncode
        print(error)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def write(tmp_path, files):
    folder = tmp_path / "rapports"
    folder.mkdir(exist_ok=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    return folder


def test_the_command_imports_a_folder_and_says_what_it_did_per_file(units, operator, tmp_path, capsys):
    folder = write(tmp_path, good_files())
    code, out = run_command(capsys, str(folder), "--user", operator.email)
    assert code == 0, out
    assert "nwipe-sda.log : enregistré (PC-0001)" in out
    assert "blancco.xml : enregistré (PC-0002)" in out
    assert "Bilan : 3 effacements enregistrés, 0 rapport refusé, 0 disque déjà importé." in out
    assert WipeRecord.objects.count() == 3
    code, out = run_command(capsys, str(folder), "--user", operator.email)
    assert code == 0 and "nwipe-sda.log : déjà importé" in out
    assert WipeRecord.objects.count() == 3


def test_the_command_refuses_and_exits_non_zero(units, operator, tmp_path, capsys):
    folder = write(tmp_path, [*good_files(), ("inconnu.log", nwipe_log(Drive("NOBODY1"))), ("faux.xml", b"PK\x03\x04")])
    code, out = run_command(capsys, str(folder), "--user", operator.email)
    assert code == 1
    assert "inconnu.log : refusé – disque NOBODY1 : aucun ordinateur" in out
    assert "faux.xml : refusé – ce fichier .xml n'est pas un XML lisible" in out
    assert "Rien n'a été enregistré" in out
    assert not WipeRecord.objects.exists()
    code, out = run_command(capsys, str(folder), "--user", operator.email, "--partial")
    assert code == 1 and WipeRecord.objects.count() == 3


def test_the_command_dry_run_and_a_missing_file(units, operator, tmp_path, capsys):
    folder = write(tmp_path, good_files())
    code, out = run_command(capsys, str(folder), "--user", operator.email, "--dry-run")
    assert code == 0 and "nwipe-sda.log : reconnu (PC-0001)" in out and not WipeRecord.objects.exists()
    code, out = run_command(
        capsys, str(folder / "nwipe-sda.log"), str(tmp_path / "absent.log"), "--user", operator.email
    )
    assert code == 1 and "absent.log : refusé" in out and not WipeRecord.objects.exists()


def test_the_command_needs_an_operator(units, tmp_path, capsys):
    folder = write(tmp_path, good_files())
    code, out = run_command(capsys, str(folder), "--user", "personne@example.org")
    assert code == 1 and "Aucun compte actif" in out
    manager = make_user("manager")
    code, out = run_command(capsys, str(folder), "--user", manager.email)
    assert code == 1 and "opérateurs de stock" in out and not WipeRecord.objects.exists()


# The admin page -----------------------------------------------------------------------------------


def uploads(files):
    return [SimpleUploadedFile(name, data) for name, data in files]


def test_check_then_confirm_from_the_units_list(units, operator_client):
    listing = operator_client.get(reverse("admin:inventory_computer_changelist")).content.decode()
    assert reverse(PAGE) in listing
    files = [*good_files(), ("inconnu.log", nwipe_log(Drive("NOBODY1"))), ("<i>x.xml", b"not xml")]
    response = operator_client.post(reverse(PAGE), {"step": "check", "reports": uploads(files)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "PC-0001" in page and "PC-0002" in page and "PC-0003" in page
    assert "aucun ordinateur ne porte ce numéro de série" in page
    assert "&lt;i&gt;x.xml" in page and "<i>x.xml" not in page
    assert "Enregistrer seulement les effacements reconnus" in page
    assert not WipeRecord.objects.exists()
    tokens = response.context["tokens"]
    assert len(tokens) == 3 == HeldUpload.objects.count()
    response = operator_client.post(reverse(PAGE), {"step": "confirm", "token": tokens, "partial": "1"})
    assert response.status_code == 302
    assert WipeRecord.objects.count() == 3 and WipeEvidence.objects.count() == 3
    assert not HeldUpload.objects.exists()


def test_without_refusal_the_confirmation_is_all_or_nothing(units, operator_client):
    response = operator_client.post(reverse(PAGE), {"step": "check", "reports": uploads(good_files())})
    assert "Enregistrer les effacements" in response.content.decode()
    tokens = response.context["tokens"]
    Computer.objects.filter(pk=units["xml"].pk).update(disk_serial="S3Z9NB0K")  # meanwhile: now two units
    response = operator_client.post(reverse(PAGE), {"step": "confirm", "token": tokens})
    assert response.status_code == 200
    assert "Rien n&#x27;a été enregistré" in response.content.decode()
    assert not WipeRecord.objects.exists()


def test_a_confirmation_with_someone_elses_or_no_token_records_nothing(units, operator_client):
    other = make_user("superuser")
    from core.uploads import hold_upload

    held = hold_upload(SimpleUploadedFile("a.log", good_files()[0][1]), user=other, field="wipe_reports", name="a.log")
    for data in (
        {"step": "confirm", "token": [held.token.hex]},
        {"step": "confirm"},
        {"step": "confirm", "token": ["x"]},
    ):
        response = operator_client.post(reverse(PAGE), data)
        assert response.status_code == 200
        assert "plus valable" in response.content.decode()
    assert not WipeRecord.objects.exists()


def test_no_file_or_too_many_files_is_a_field_error(operator_client, monkeypatch):
    response = operator_client.post(reverse(PAGE), {"step": "check"})
    assert response.status_code == 200 and response.context["form"].errors["reports"]
    monkeypatch.setattr("inventory.wipelogs.MAX_FILES", 2)
    files = uploads([("a.log", b"a"), ("b.log", b"b"), ("c.log", b"c")])
    response = operator_client.post(reverse(PAGE), {"step": "check", "reports": files})
    assert response.status_code == 200
    assert "2 fichiers au plus" in response.context["form"].errors["reports"][0]
    assert not HeldUpload.objects.exists()


def test_the_check_page_costs_the_same_queries_whatever_the_stock(operator_client, django_assert_max_num_queries):
    ComputerFactory(disk_serial="Z3TX1234")
    files = [("a.log", nwipe_log(Drive("Z3TX1234"))), ("b.log", nwipe_log(Drive("NOBODY")))]
    with CaptureQueriesContext(connection) as small:
        operator_client.post(reverse(PAGE), {"step": "check", "reports": uploads(files)})
    Computer.objects.bulk_create(
        [
            Computer(
                asset_tag=f"Q-{n:04d}",
                manufacturer="Dell",
                model="M",
                serial_number=f"Q{n:05d}",
                lot_id=Computer.objects.first().lot_id,
                disk_serial=f"QD{n}",
            )
            for n in range(300)
        ]
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        operator_client.post(reverse(PAGE), {"step": "check", "reports": uploads(files)})


def test_the_report_file_downloads_as_an_attachment(units, operator, operator_client):
    wipe_reports_import(files=good_files()[:1], by=operator)
    evidence = WipeEvidence.objects.get()
    change = operator_client.get(reverse("admin:inventory_computer_change", args=[units["nwipe"].pk])).content.decode()
    url = reverse("admin:inventory_computer_wipe_report_file", args=[evidence.pk])
    assert url in change
    response = operator_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == good_files()[0][1]


WIPE_PAGES = {
    "inventory": (200, 200),
    "superuser": (200, 200),
    "manager": (403, 403),
    "handover": (403, 403),
    "reviewer": (403, 403),
    "member": ("login", "login"),
    "anonymous": ("login", "login"),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_the_wipe_report_pages_or_not(client, role, units):
    # The report is the evidence of a unit's wipe: the stock team of that unit's organiser may download it.
    record = nwipe_record(units["nwipe"], reference="NWIPE-A", disk_serial="WD-A")
    evidence = record.evidence
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    urls = [reverse(PAGE), reverse("admin:inventory_computer_wipe_report_file", args=[evidence.pk])]
    for url, expected in zip(urls, WIPE_PAGES[role], strict=True):
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302 and reverse("admin:login") in response["Location"]
        else:
            assert response.status_code == expected, (role, url)
        if role not in ("inventory", "superuser"):
            response = client.post(reverse(PAGE), {"step": "check", "reports": uploads(good_files())})
            assert response.status_code in (302, 403)
    assert not WipeRecord.objects.exclude(pk=record.pk).exists() and not HeldUpload.objects.exists()


# The disk serial on the unit ----------------------------------------------------------------------


def test_the_stock_import_records_the_disk_serial_and_a_report_then_matches_it(operator):
    from inventory.importing import read_table
    from inventory.services import computers_import
    from tests.factories.inventory import LotFactory

    LotFactory(reference="ORANGE-2026-01")
    table = read_table(
        b"fabricant;modele;numero_serie;numero_serie_disque;lot\r\nDell;OptiPlex 7070;SN1;z3tx 1234;ORANGE-2026-01\r\n"
    )
    computers_import(table=table, by=operator, file_name="dons.csv")
    assert Computer.objects.get(serial_number="SN1").disk_serial == "Z3TX1234"
    plan = wipe_reports_import(files=[("a.log", nwipe_log(Drive("Z3TX1234")))], by=operator)
    assert plan.recorded == 1 and WipeRecord.objects.get().computer.serial_number == "SN1"


def test_the_disk_serial_is_edited_on_the_units_page_and_searched_in_the_list(operator_client):
    computer = ComputerFactory(asset_tag="PC-0009")
    url = reverse("admin:inventory_computer_change", args=[computer.pk])
    form = operator_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"disk_serial": " wd-wcc4 n0kx ", **no_inline_rows("wipe_records", "events", "functional_tests")})
    response = operator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    computer.refresh_from_db()
    assert computer.disk_serial == "WD-WCC4N0KX"
    listing = operator_client.get(reverse("admin:inventory_computer_changelist"), {"q": "wcc4n0"})
    assert list(listing.context["cl"].result_list) == [computer]
