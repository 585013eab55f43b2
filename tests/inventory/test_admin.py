"""The stock screens of the admin: lists at scale, bulk actions, labels, history, and who sees what."""

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pypdf import PdfReader

from inventory.models import Computer, ComputerEvent, Lot, WipeRecord
from tests.admin_forms import admin_action, no_inline_rows
from tests.factories.campaigns import OrganiserFactory
from tests.factories.inventory import ComputerFactory, LotFactory, ready_computers
from tests.roles import ROLES, make_user

pytestmark = pytest.mark.django_db
S = Computer.Status
CHANGELIST = "admin:inventory_computer_changelist"


def bulk_units(n: int, lot: Lot | None = None, status: str = S.RECEIVED) -> None:
    lot = lot or LotFactory()
    start = Computer.objects.count()
    Computer.objects.bulk_create(
        [
            Computer(
                asset_tag=f"B-{start + i:06d}",
                manufacturer=("Dell", "HP", "Lenovo")[i % 3],
                model=("OptiPlex 7070 SFF", "EliteDesk 800 G5 SFF", "ThinkCentre M720s")[i % 3],
                serial_number=f"BULK{start + i:07d}",
                cpu="Intel Core i5-9500",
                ram_gb=(8, 16)[i % 2],
                storage_gb=256,
                storage_type="ssd",
                os="Windows 10 Pro",
                grade="AB"[i % 2],
                lot=lot,
                status=status,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_action(client, action: str, computers, **data):
    return admin_action(client, CHANGELIST, action, computers, follow=True, **data)


# The wipe form of the « record_wipe » action filled in for a passed wipe (its report reference apart).
PASSED_WIPE_FORM = {
    "apply": "1",
    "kind": "wipe",
    "method": "nist_purge",
    "result": "passed",
    "performed_on": "2026-01-20",
}


def all_items_passed(count: int = 6) -> dict:
    """The functional test form's fields with every item of a ``count``-item checklist passed."""
    return {"apply": "1", **{f"item_{n}": "passed" for n in range(count)}}


# Lists at scale ----------------------------------------------------------------------------------


def changelist_queries(client, django_assert_max_num_queries, url, limit=20) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) <= limit, [q["sql"][:120] for q in queries]
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?status__exact=received", "?q=BULK000", "?ram_gb=16&grade__exact=A", "?effacement=none"]
)
def test_the_computer_list_costs_the_same_queries_for_10_or_200_units(
    operator_client, query, django_assert_max_num_queries
):
    url = reverse(CHANGELIST) + query
    bulk_units(10)
    small = changelist_queries(operator_client, django_assert_max_num_queries, url)
    bulk_units(190)
    assert changelist_queries(operator_client, django_assert_max_num_queries, url) == small


def test_the_computer_list_of_10000_units_loads_in_a_bounded_number_of_queries(
    operator_client, django_assert_max_num_queries
):
    lot = LotFactory()
    bulk_units(30, lot)
    url = reverse(CHANGELIST)
    small = changelist_queries(operator_client, django_assert_max_num_queries, url)
    bulk_units(9970, lot)
    assert Computer.objects.count() == 10000
    with django_assert_max_num_queries(small):
        response = operator_client.get(url)
    page = response.content.decode()
    assert "10\u202f000" in page or "10 000" in page or "10000" in page
    summary = response.context["stock_summary"]
    assert summary["total"] == 10000 and summary["statuses"][0]["count"] == 10000


def test_the_stock_summary_follows_the_filters(operator_client):
    ready_computers(3)
    bulk_units(2)
    response = operator_client.get(reverse(CHANGELIST) + "?status__exact=ready")
    summary = response.context["stock_summary"]
    assert summary["total"] == 3 and summary["available"] == 3
    assert summary["specs"][0]["model"] == "EliteDesk 800 G5 SFF"
    response = operator_client.get(reverse(CHANGELIST))
    counts = {item["status"]: item["count"] for item in response.context["stock_summary"]["statuses"]}
    assert counts == {"received": 2, "reconditioning": 0, "ready": 3, "reserved": 0, "handed_over": 0, "scrapped": 0}


def test_the_lot_list_and_page_cost_a_bounded_number_of_queries(operator_client, django_assert_max_num_queries):
    for _ in range(3):
        bulk_units(5, LotFactory())
    url = reverse("admin:inventory_lot_changelist")
    small = changelist_queries(operator_client, django_assert_max_num_queries, url)
    for _ in range(20):
        bulk_units(5, LotFactory())
    assert changelist_queries(operator_client, django_assert_max_num_queries, url) == small
    big = LotFactory(reference="GROS-LOT")
    bulk_units(1000, big)
    with django_assert_max_num_queries(20):
        response = operator_client.get(reverse("admin:inventory_lot_change", args=[big.pk]))
    page = response.content.decode()
    assert "1000 ordinateurs dans ce lot" in page.replace("\u202f", "").replace("&nbsp;", "")
    assert "page 1 sur 20" in page
    response = operator_client.get(reverse("admin:inventory_lot_change", args=[big.pk]) + "?unites=20")
    assert "page 20 sur 20" in response.content.decode()


def test_saving_a_lot_of_1000_units_works(operator_client):
    lot = LotFactory(reference="GROS-LOT")
    bulk_units(1000, lot)
    response = operator_client.post(
        reverse("admin:inventory_lot_change", args=[lot.pk]),
        {
            "donor": lot.donor_id,
            "reference": "gros-lot",
            "arrival_date": "2026-01-12",
            "site": "Atelier de Marseille",
            "expected_count": 1000,
            "notes": "",
        },
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.site == "Atelier de Marseille" and lot.reference == "GROS-LOT"


# Bulk actions ------------------------------------------------------------------------------------


def test_operator_journey_wipe_a_selection_mark_it_ready_and_see_the_summary_change(operator_client, operator):
    computers = [ComputerFactory(status=S.RECONDITIONING) for _ in range(4)]
    wiped, not_wiped = computers[:3], computers[3]
    before = operator_client.get(reverse(CHANGELIST)).context["stock_summary"]["available"]

    response = post_action(operator_client, "record_wipe", wiped)
    assert response.status_code == 200 and "form" in response.context  # the form for the whole selection
    page = response.content.decode()
    assert "3 ordinateurs sélectionnés" in page and wiped[0].asset_tag in page

    response = post_action(operator_client, "record_wipe", wiped, **PASSED_WIPE_FORM, report_reference="")
    assert "Un effacement réussi est prouvé par la référence de son rapport." in response.content.decode()
    assert not WipeRecord.objects.exists()

    response = post_action(
        operator_client,
        "record_wipe",
        wiped,
        **PASSED_WIPE_FORM,
        tool="Blancco Drive Eraser",
        tool_version="7.9",
        report_reference="BDE-2026-77",
    )
    assert any("3 ordinateurs avec effacement enregistré" in m for m in messages_of(response))
    assert WipeRecord.objects.filter(actor=operator).count() == 3
    response = post_action(operator_client, "record_functional_test", computers, **all_items_passed())
    assert any("4 ordinateurs avec test fonctionnel enregistré" in m for m in messages_of(response))

    response = post_action(operator_client, "mark_ready", computers)
    messages = messages_of(response)
    assert any(m.startswith("3 ordinateurs marqués prêts") for m in messages)
    assert any(
        "1 ordinateur refusé (aucun effacement réussi ni exemption enregistré)" in m and not_wiped.asset_tag in m
        for m in messages
    )
    after = response.context["stock_summary"]["available"]
    assert after == before + 3
    not_wiped.refresh_from_db()
    assert not_wiped.status == S.RECONDITIONING


def test_start_reconditioning_and_scrap_report_per_unit(operator_client):
    received = ComputerFactory()
    handed = ComputerFactory(status=S.HANDED_OVER)
    response = post_action(operator_client, "start_reconditioning", [received, handed])
    messages = messages_of(response)
    assert any("1 ordinateur en reconditionnement" in m for m in messages)
    assert any("refusé (statut « Remis »" in m and handed.asset_tag in m for m in messages)

    response = post_action(operator_client, "scrap", [received])
    page = response.content.decode()
    assert "Motif détaillé" in page and "Devenir du support de stockage" in page and "Filière de reprise" in page
    end_of_life = {"cause": "faulty", "storage_outcome": "destroyed", "recycler": "ecosystem"}
    response = post_action(operator_client, "scrap", [received], apply="1", reason="", **end_of_life)
    page = response.content.decode()
    assert "Indiquez le motif de mise au rebut." in page
    assert "Indiquez la référence du certificat de destruction du support." in page
    received.refresh_from_db()
    assert received.status == S.RECONDITIONING  # nothing scrapped
    response = post_action(
        operator_client,
        "scrap",
        [received],
        apply="1",
        reason="Alimentation hors service",
        storage_certificate="CERT-9",
        recycler_reference="BSD-1",
        **end_of_life,
    )
    assert any("1 ordinateur mis au rebut" in m for m in messages_of(response))
    received.refresh_from_db()
    assert received.status == S.SCRAPPED and received.scrap_reason == "Alimentation hors service"
    assert (received.storage_certificate, received.recycler, received.recycler_reference) == (
        "CERT-9",
        "ecosystem",
        "BSD-1",
    )
    page = operator_client.get(reverse("admin:inventory_computer_change", args=[received.pk])).content.decode()
    assert "Fin de vie" in page and "CERT-9" in page and "Panne non réparable" in page


def test_the_stock_summary_counts_scrapped_units_by_cause(operator_client):
    ComputerFactory.create_batch(2, status=S.SCRAPPED)  # cause "faulty", storage removed
    ComputerFactory(status=S.SCRAPPED, scrap_cause="damaged", storage_outcome="destroyed", storage_certificate="C")
    ComputerFactory()
    page = operator_client.get(reverse(CHANGELIST)).content.decode()
    block = page[page.index('id="scrapped-by-cause"') :]
    block = block[: block.index("</details>")]
    assert "Panne non réparable" in block and "Endommagé (casse, liquide)" in block
    assert "Support retiré et conservé à l&#x27;atelier : 2" in block
    assert "Support détruit (certificat de destruction) : 1" in block
    assert "scrap_cause__exact=damaged" in block


def test_an_action_on_all_the_filtered_units_keeps_the_filters(operator_client):
    lot = LotFactory()
    bulk_units(150, lot)
    other = ComputerFactory()
    first_page = list(Computer.objects.filter(lot=lot).order_by("asset_tag")[:100])
    response = operator_client.post(
        reverse(CHANGELIST) + f"?lot__id__exact={lot.pk}",
        {
            "action": "start_reconditioning",
            "_selected_action": [c.pk for c in first_page],
            "index": 0,
            "select_across": 1,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Computer.objects.filter(lot=lot, status=S.RECONDITIONING).count() == 150
    other.refresh_from_db()
    assert other.status == S.RECEIVED


def test_the_wipe_form_keeps_a_select_across_selection(operator_client, operator):
    lot = LotFactory()
    bulk_units(120, lot, status=S.RECONDITIONING)
    url = reverse(CHANGELIST) + f"?lot__id__exact={lot.pk}"
    some = list(Computer.objects.filter(lot=lot).order_by("asset_tag")[:100])
    data = {"action": "record_wipe", "_selected_action": [c.pk for c in some], "index": 0, "select_across": 1}
    response = operator_client.post(url, data)
    assert "120 ordinateurs sélectionnés" in response.content.decode()
    response = operator_client.post(
        url,
        {
            **data,
            "apply": "1",
            "kind": "exemption",
            "exemption": "drive_kept",
            "exemption_reason": "Disques conservés par Orange",
            "performed_on": "2026-01-20",
        },
    )
    assert response.status_code == 302
    assert Computer.objects.filter(lot=lot, wipe_record__kind="exemption").count() == 120


def test_unit_page_shows_history_and_offers_the_allowed_actions(operator_client, operator):
    computer = ComputerFactory(status=S.RECONDITIONING)
    url = reverse("admin:inventory_computer_change", args=[computer.pk])
    wipe = PASSED_WIPE_FORM | {"method": "nist_clear", "report_reference": "R-1"}
    post_action(operator_client, "record_wipe", [computer], **wipe)
    post_action(operator_client, "record_functional_test", [computer], **all_items_passed())
    response = operator_client.get(url)
    page = response.content.decode()
    assert 'value="mark_ready"' in page and 'value="scrap"' in page and 'value="start_reconditioning"' not in page
    assert 'value="record_functional_test"' in page and "Test fonctionnel" in page
    assert "historique" in page.lower() and "NIST SP 800-88 Clear" in page
    response = operator_client.post(
        reverse(CHANGELIST),
        {"action": "mark_ready", "_selected_action": computer.pk, "index": 0, "_next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    page = operator_client.get(url).content.decode()
    assert "Prêt" in page and "Marquer prêt" not in page


def test_editing_a_unit_in_the_admin_goes_through_the_service(operator_client, lot):
    response = operator_client.post(
        reverse("admin:inventory_computer_add"),
        {
            "asset_tag": "",
            "lot": lot.pk,
            "manufacturer": "lenovo",
            "model": "ThinkCentre M720s",
            "serial_number": "mj0abcde",
            "form_factor": "desktop",
            "cpu": "Intel Core i5-8500",
            "ram_gb": "8",
            "storage_gb": "256",
            "storage_type": "ssd",
            "os": "",
            "grade": "B",
            "has_keyboard": "on",
            "has_mouse": "on",
            "notes": "",
            "status": "ready",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    computer = Computer.objects.get()
    assert (computer.asset_tag, computer.manufacturer, computer.serial_number, computer.status) == (
        "ORANGE-2026-01-0001",
        "Lenovo",
        "MJ0ABCDE",
        S.RECEIVED,
    )
    assert computer.events.get().kind == "created"
    duplicate = operator_client.post(
        reverse("admin:inventory_computer_add"),
        {
            "lot": lot.pk,
            "manufacturer": "Lenovo",
            "model": "X",
            "serial_number": "MJ0ABCDE",
            "form_factor": "desktop",
            "has_keyboard": "on",
            "has_mouse": "on",
        },
    )
    assert duplicate.status_code == 200
    assert "Un ordinateur de ce fabricant porte déjà ce numéro de série." in duplicate.content.decode()


def test_a_handed_over_unit_is_read_only(operator_client):
    computer = ComputerFactory(status=S.HANDED_OVER)
    page = operator_client.get(reverse("admin:inventory_computer_change", args=[computer.pk])).content.decode()
    assert 'name="serial_number"' not in page and 'value="scrap"' not in page


# Labels ------------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_labels_for_a_selection_and_for_a_lot(operator_client):
    lot = LotFactory(reference="ORANGE-2026-09")
    computers = [ComputerFactory(lot=lot) for _ in range(30)]
    response = operator_client.post(
        reverse(CHANGELIST), {"action": "print_labels", "_selected_action": [c.pk for c in computers[:2]], "index": 0}
    )
    assert response["Content-Type"] == "application/pdf"
    text, pages = pdf_text(response.content)
    assert pages == 1 and computers[0].asset_tag in text and computers[0].serial_number in text
    assert "OptiPlex 7070 SFF" in text and computers[5].asset_tag not in text
    response = operator_client.get(reverse("admin:inventory_lot_labels", args=[lot.pk]))
    text, pages = pdf_text(response.content)
    assert pages == 2 and all(c.asset_tag in text for c in computers)


def test_label_qr_codes_encode_the_asset_tag():
    import segno

    from inventory.labels import QR_SIZE, _qr

    class Recorder:
        def __init__(self):
            self.stream = []

        def set_color_rgb(self, *args):
            pass

        def fill(self):
            pass

    recorder = Recorder()
    _qr(recorder, 0, QR_SIZE, "ORANGE-2026-01-0001")
    drawn = recorder.stream[0].decode().splitlines()
    matrix = segno.make("ORANGE-2026-01-0001", error="m", micro=False, mask=4).matrix
    assert len(drawn) == sum(
        1 for row in matrix for i, v in enumerate(row) if v and (i == 0 or not row[i - 1])
    )  # one rectangle per run of dark modules


# Who sees what -----------------------------------------------------------------------------------


def pages(computer: Computer) -> dict[str, str]:
    return {
        "computer_list": reverse(CHANGELIST),
        "computer_change": reverse("admin:inventory_computer_change", args=[computer.pk]),
        "computer_add": reverse("admin:inventory_computer_add"),
        "import": reverse("admin:inventory_computer_import"),
        "export": reverse("admin:inventory_computer_export"),
        "lot_list": reverse("admin:inventory_lot_changelist"),
        "lot_add": reverse("admin:inventory_lot_add"),
        "lot_labels": reverse("admin:inventory_lot_labels", args=[computer.lot_id]),
        "wipes": reverse("admin:inventory_wiperecord_changelist"),
        "history": reverse("admin:inventory_computerevent_changelist"),
    }


PAGES = [
    "computer_list",
    "computer_change",
    "computer_add",
    "import",
    "export",
    "lot_list",
    "lot_add",
    "lot_labels",
    "wipes",
    "history",
]

EXPECTED = {
    "inventory": dict.fromkeys(PAGES, 200),
    "superuser": dict.fromkeys(PAGES, 200),
    # read-only roles: refused everywhere but the pages they read
    "manager": dict.fromkeys(PAGES, 403)
    | dict.fromkeys(["computer_list", "computer_change", "export", "lot_list", "lot_labels"], 200),
    "handover": dict.fromkeys(PAGES, 403) | dict.fromkeys(["computer_list", "computer_change", "export"], 200),
    "reviewer": dict.fromkeys(PAGES, 403),
    "member": dict.fromkeys(PAGES, "login"),
    "anonymous": dict.fromkeys(PAGES, "login"),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_stock_pages(client, role):
    computer = ComputerFactory(status=S.READY)
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    for name, url in pages(computer).items():
        response = client.get(url)
        expected = EXPECTED[role][name]
        if expected == "login":
            assert response.status_code == 302 and reverse("admin:login") in response["Location"], (role, name)
        else:
            assert response.status_code == expected, (role, name, response.status_code)


@pytest.mark.parametrize("role", ["reviewer", "manager", "handover"])
def test_only_inventory_operators_change_stock(client, role):
    computer = ComputerFactory(status=S.RECONDITIONING)
    client.force_login(make_user(role))
    for action, extra in [
        ("start_reconditioning", {}),
        ("mark_ready", {}),
        (
            "scrap",
            {"apply": "1", "reason": "test", "cause": "faulty", "storage_outcome": "removed", "recycler": "R"},
        ),
        (
            "record_wipe",
            {
                "apply": "1",
                "kind": "exemption",
                "exemption": "no_drive",
                "exemption_reason": "x",
                "performed_on": "2026-01-01",
            },
        ),
    ]:
        client.post(reverse(CHANGELIST), {"action": action, "_selected_action": computer.pk, "index": 0, **extra})
    client.post(reverse("admin:inventory_computer_change", args=[computer.pk]), {"serial_number": "HACK"})
    computer.refresh_from_db()
    assert computer.status == S.RECONDITIONING and computer.serial_number != "HACK"
    assert not WipeRecord.objects.exists() and not ComputerEvent.objects.exists()


def test_the_stock_is_invisible_to_reviewers_on_the_admin_index(client):
    client.force_login(make_user("reviewer"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "/admin/inventory/" not in page
    client.force_login(make_user("inventory"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "/admin/inventory/computer/" in page


@pytest.mark.parametrize("role", ["inventory", "manager", "handover"])
def test_action_menu_matches_the_role(client, role):
    client.force_login(make_user(role))
    ComputerFactory()
    choices = dict(client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices)
    if role == "inventory":
        assert {"start_reconditioning", "record_wipe", "mark_ready", "scrap", "print_labels"} <= set(choices)
    else:
        assert set(choices) - {""} == {"print_labels"}


def test_flagging_a_ready_unit_for_a_part_is_a_form_error(operator_client):
    computer = ComputerFactory(status=S.READY)
    data = {
        "asset_tag": computer.asset_tag,
        "lot": computer.lot_id,
        "manufacturer": computer.manufacturer,
        "model": computer.model,
        "serial_number": computer.serial_number,
        "form_factor": "desktop",
        "cpu": computer.cpu,
        "ram_gb": 8,
        "storage_gb": 256,
        "storage_type": "nvme",
        "os": "",
        "grade": "A",
        "has_keyboard": "on",
        "has_mouse": "on",
        "needs_spare_part": "on",
        "notes": "",
        **no_inline_rows("wipe_records", "functional_tests", "events"),
    }
    response = operator_client.post(reverse("admin:inventory_computer_change", args=[computer.pk]), data)
    assert response.status_code == 200
    assert "remettez-le d&#x27;abord en reconditionnement" in response.content.decode()
    computer.refresh_from_db()
    assert not computer.needs_spare_part
    data["needs_spare_part"] = ""
    data["notes"] = "Rayure sur le capot"
    response = operator_client.post(reverse("admin:inventory_computer_change", args=[computer.pk]), data)
    assert response.status_code == 302
    computer.refresh_from_db()
    assert computer.notes == "Rayure sur le capot" and computer.events.last().kind == "updated"


def test_adding_a_lot_in_the_admin(operator_client):
    from campaigns.models import Donor

    donor = Donor.objects.create(name="SFR")
    url = reverse("admin:inventory_lot_add")
    data = {
        "organiser": OrganiserFactory().pk,  # the operator's own organiser (preselected on the form)
        "donor": donor.pk,
        "reference": " sfr-2026-01 ",
        "arrival_date": "15/01/2026",
        "site": "Atelier Nord",
        "expected_count": 250,
        "notes": "",
    }
    response = operator_client.post(url, data)
    assert response.status_code == 302
    lot = Lot.objects.get()
    assert lot.reference == "SFR-2026-01" and lot.expected_count == 250
    response = operator_client.post(url, data)
    assert "Un lot avec cette référence existe déjà." in response.content.decode()
    response = operator_client.post(url, {**data, "reference": "X" * 30})
    assert "24 caractères au plus" in response.content.decode()
