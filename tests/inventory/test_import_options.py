"""The import form's options: the lot chosen for every row, the template file, and importing the valid rows while
handing back the refused ones in a file with the reason for each (all or nothing stays the default)."""

import csv
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.importing import ImportFileError, plan_import, read_table
from inventory.models import Computer
from inventory.services import ImportRejected, computers_import
from tests.factories.inventory import ComputerFactory, LotFactory
from tests.inventory.test_import import HEADER, csv_bytes, rows, xlsx_bytes
from tests.roles import make_user

pytestmark = pytest.mark.django_db
NO_LOT = [h for h in HEADER if h != "lot"]
IMPORT = "admin:inventory_computer_import"
CONFIRM = "admin:inventory_computer_process_import"


def without_lot(body):
    index = HEADER.index("lot")
    return [row[:index] + row[index + 1 :] for row in body]


def upload_with(client, data: bytes, *, name="dons.csv", fmt="0", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse(IMPORT), {"import_file": SimpleUploadedFile(name, data), "format": fmt, "resource": "0", **fields}
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def other_lot(db):
    return LotFactory(reference="SFR-2026-02")


# The lot chosen on the form -------------------------------------------------------------------------


def test_a_file_without_a_lot_column_goes_into_the_chosen_lot(lot, operator):
    plan = computers_import(table=read_table(csv_bytes(NO_LOT, without_lot(rows(3)))), by=operator, lot=lot)
    assert plan.count("new") == 3
    units = Computer.objects.order_by("asset_tag")
    assert {unit.lot_id for unit in units} == {lot.pk}
    assert [unit.asset_tag for unit in units] == ["ORANGE-2026-01-0001", "ORANGE-2026-01-0002", "ORANGE-2026-01-0003"]


def test_without_a_chosen_lot_the_column_is_still_required(lot):
    plan = plan_import(read_table(csv_bytes(NO_LOT, without_lot(rows(1)))))
    assert plan.file_errors == ["Colonnes obligatoires absentes : lot."]


def test_a_lot_column_must_name_the_chosen_lot_or_be_empty(lot, other_lot, operator):
    body = rows(4)
    body[1][HEADER.index("lot")] = ""  # empty: the chosen lot
    body[2][HEADER.index("lot")] = "sfr-2026-02"  # another existing lot: refused
    body[3][HEADER.index("lot")] = "INCONNU"  # refused too
    with pytest.raises(ImportRejected) as rejected:
        computers_import(table=read_table(csv_bytes(HEADER, body)), by=operator, lot=lot)
    errors = [(issue.line, issue.column, issue.message) for issue in rejected.value.plan.errors]
    assert errors == [
        (4, "lot", "ce n'est pas le lot choisi pour l'import (ORANGE-2026-01)"),
        (5, "lot", "ce n'est pas le lot choisi pour l'import (ORANGE-2026-01)"),
    ]
    assert not Computer.objects.exists()  # all or nothing, by default


def test_a_known_unit_of_another_lot_is_refused_not_moved(lot, other_lot, operator):
    ComputerFactory(manufacturer="HP", serial_number="SN000001", lot=other_lot)
    plan = plan_import(read_table(csv_bytes(NO_LOT, without_lot(rows(1)))), lot=lot)
    assert [issue.message for issue in plan.errors] == [
        "numéro de série déjà enregistré dans un autre lot (SFR-2026-02, ordinateur "
        f"{Computer.objects.get().asset_tag})"
    ]


def test_the_admin_form_offers_the_lots_and_carries_the_choice_to_the_confirmation(lot, other_lot, operator_client):
    page = operator_client.get(reverse(IMPORT))
    assert sorted(str(choice) for choice in page.context["form"].fields["lot"].queryset) == [
        "ORANGE-2026-01",
        "SFR-2026-02",
    ]
    response = upload_with(
        operator_client, xlsx_bytes(NO_LOT, without_lot(rows(2))), name="d.xlsx", fmt="1", lot=lot.pk
    )
    assert response.status_code == 200 and "confirm_form" in response.context, response.content.decode()[-3000:]
    confirm = response.context["confirm_form"].initial
    assert confirm["lot"] == lot.pk
    response = operator_client.post(reverse(CONFIRM), confirm)
    assert response.status_code == 302
    assert set(Computer.objects.values_list("lot__reference", flat=True)) == {"ORANGE-2026-01"}


@pytest.mark.parametrize("value", ["999999", "12,5", "<script>alert(1)</script>", "1 OR 1=1", "\x00"])
def test_a_lot_that_is_not_offered_is_a_form_error(lot, operator_client, value):
    response = upload_with(operator_client, csv_bytes(NO_LOT, without_lot(rows(1))), lot=value)
    assert response.status_code == 200
    expected = (
        "Le caractère nul n’est pas autorisé."
        if value == "\x00"
        else "Ce lot n'existe pas (ou plus) : choisissez-en un."
    )
    assert response.context["form"].errors["lot"] == [expected]
    assert "<script>alert" not in response.content.decode()
    assert not Computer.objects.exists()


def test_a_forged_confirmation_with_another_lot_is_checked_again(lot, other_lot, operator_client):
    body = rows(2)
    response = upload_with(operator_client, csv_bytes(HEADER, body), lot=lot.pk)
    confirm = {**response.context["confirm_form"].initial, "lot": other_lot.pk}
    response = operator_client.post(reverse(CONFIRM), confirm)
    assert response.status_code == 200
    assert "Ce n&#x27;est pas le lot choisi pour l&#x27;import (SFR-2026-02)" in response.content.decode()
    assert not Computer.objects.exists()


# The template file ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_file_is_importable_as_it_is(lot, operator, operator_client, fmt):
    page = operator_client.get(reverse(IMPORT)).content.decode()
    url = reverse("admin:inventory_computer_import_template", args=[fmt])
    assert url in page
    response = operator_client.get(url)
    assert response.status_code == 200
    assert f"modele-import-ordinateurs.{fmt}" in response["Content-Disposition"]
    table = read_table(response.content)
    assert "numero_serie" in table.headers and "fabricant" in table.headers and "lot" not in table.headers
    assert len(table.rows) == 1
    if fmt == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(response.content)).active["B2"].value == "Dell"
    plan = computers_import(table=table, by=operator, lot=lot)
    assert plan.count("new") == 1 and not plan.errors


def test_the_template_is_for_those_who_may_import(client, operator_client):
    assert operator_client.get(reverse("admin:inventory_computer_import_template", args=["ods"])).status_code == 404
    client.force_login(make_user("manager"))  # may look at the stock, not import
    assert client.get(reverse("admin:inventory_computer_import_template", args=["csv"])).status_code == 403


# Valid rows imported, refused rows handed back --------------------------------------------------------


def hostile_body():
    body = rows(5)
    body[1][HEADER.index("ram_go")] = "12,5"  # not a whole number
    body[1][HEADER.index("modele")] = "=1+1"  # a spreadsheet would compute it: handed back as text
    body[2][HEADER.index("modele")] = '=HYPERLINK("http://evil.example","clic")'  # fine as a model name
    for column in ("fabricant", "numero_serie"):  # a duplicate of line 2
        body[3][HEADER.index(column)] = body[0][HEADER.index(column)]
    body[4][HEADER.index("lot")] = "<b>LOT-X</b>"  # unknown lot
    return body


def test_partial_import_writes_the_valid_rows_and_explains_the_others(lot, operator):
    table = read_table(csv_bytes(HEADER, hostile_body()))
    plan = computers_import(table=table, by=operator, partial=True)
    assert plan.count("new") == 2 and Computer.objects.count() == 2
    assert sorted({issue.line for issue in plan.errors}) == [3, 5, 6]
    from inventory.importing import rejected_rows_csv

    lines = read_csv(rejected_rows_csv(table, plan))
    assert lines[0] == [*HEADER, "ligne_d_origine", "motif_du_refus"]
    assert [line[-2] for line in lines[1:]] == ["3", "5", "6"]
    assert "ram_go : nombre entier" in lines[1][-1]
    assert lines[1][HEADER.index("modele")] == "'=1+1"
    assert "numero_serie : numéro de série en double dans le fichier (déjà à la ligne 2)" in lines[2][-1]
    assert lines[3][HEADER.index("lot")] == "<b>LOT-X</b>" and "lot inconnu" in lines[3][-1]


def test_partial_import_of_a_file_that_cannot_be_read_is_still_refused(lot, operator):
    with pytest.raises(ImportRejected):
        computers_import(
            table=read_table(csv_bytes(["numero_serie", "couleur"], [["A", "rouge"]])), by=operator, partial=True
        )
    with pytest.raises(ImportFileError):
        read_table(b"\x00\x00\x00")


def test_the_refused_rows_come_back_corrected_through_the_same_file(lot, operator):
    table = read_table(csv_bytes(HEADER, hostile_body()))
    plan = computers_import(table=table, by=operator, partial=True)
    from inventory.importing import rejected_rows_csv

    lines = read_csv(rejected_rows_csv(table, plan))
    header, body = lines[0], lines[1:]
    body[0][header.index("ram_go")] = "16"
    body[1][header.index("numero_serie")] = "SN999999"
    body[2][header.index("lot")] = "ORANGE-2026-01"
    again = computers_import(table=read_table(csv_bytes(header, body)), by=operator)
    assert again.count("new") == 3 and Computer.objects.count() == 5


def test_partial_import_in_the_admin_offers_the_refused_rows_as_a_file(lot, operator_client, client):
    response = upload_with(operator_client, csv_bytes(HEADER, hostile_body()), partial="on")
    assert response.status_code == 200 and "confirm_form" in response.context
    page = response.content.decode()
    assert "3 lignes refusées ne seront pas importées" in page and "&lt;b&gt;LOT-X&lt;/b&gt;" in page
    assert not Computer.objects.exists()  # nothing before the confirmation
    confirm = response.context["confirm_form"].initial
    assert confirm["partial"] is True
    response = operator_client.post(reverse(CONFIRM), confirm)
    assert response.status_code == 302 and Computer.objects.count() == 2
    listed = operator_client.get(response["Location"])
    texts = [str(m) for m in get_messages(listed.wsgi_request)]
    assert texts[0] == "Import terminé : 2 ordinateurs créés, 0 mis à jour, 0 inchangés."
    assert texts[1].startswith("3 lignes refusées n&#x27;ont pas été importées.")
    url = texts[1].split('href="')[1].split('"')[0]
    download = operator_client.get(url)
    assert download.status_code == 200 and "lignes-refusees.csv" in download["Content-Disposition"]
    lines = read_csv(download.content)
    assert len(lines) == 4
    # A refused cell that a spreadsheet would run as a formula is written as text.
    assert all(not cell.startswith("=") for line in lines for cell in line)
    assert lines[1][HEADER.index("modele")] == "'=1+1"
    # Only its owner downloads it; a made-up name is not found.
    client.force_login(make_user("superuser"))
    assert client.get(url).status_code == 404
    assert operator_client.get(url.replace("refus-", "refus-9")).status_code == 404
    bad = reverse("admin:inventory_computer_import_rejected", args=["..%2F..%2Fsettings"])
    assert operator_client.get(bad).status_code == 404


def test_all_or_nothing_stays_the_default_in_the_admin(lot, operator_client):
    response = upload_with(operator_client, csv_bytes(HEADER, hostile_body()))
    assert response.status_code == 200 and "confirm_form" not in response.context
    assert not Computer.objects.exists()
