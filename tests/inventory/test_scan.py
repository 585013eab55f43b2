"""The scan page of the stock: a code (the label's QR code, a typed asset tag or serial) finds the unit, whose
buttons run the unit's moves and come back to the page; unknown or hostile codes get a French message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.models import Computer, ComputerEvent
from tests.factories.inventory import ComputerFactory, LotFactory, wiped_in_workshop
from tests.roles import ROLES, make_user

pytestmark = pytest.mark.django_db
S = Computer.Status
SCAN = "admin:inventory_computer_scan"


def scan(client, code: str):
    return client.get(reverse(SCAN), {"code": code})


def test_the_empty_page_waits_for_a_code(operator_client):
    response = operator_client.get(reverse(SCAN))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="code"' in html and "autofocus" in html
    assert "vendor/jsqr/jsQR.js" in html  # the camera's decoder, vendored (no CDN)
    assert "Aucun ordinateur" not in html


@pytest.mark.parametrize(
    "code",
    [
        "LOT-A-0007",  # what the label's QR code holds (inventory.labels: the asset tag)
        "  lot-a-0007 ",  # typed by hand, in small letters
        "lot - a - 0007",
        "https://stock.example.org/u/LOT-A-0007/",  # another tool's label: a web address ending with the tag
        "cn0ab12",  # the serial number, as a scanner reads its barcode
    ],
)
def test_a_code_finds_the_unit(operator_client, code):
    lot = LotFactory(reference="LOT-A")
    ComputerFactory(asset_tag="LOT-A-0007", serial_number="CN0AB12", lot=lot, model="OptiPlex 7070 SFF")
    ComputerFactory(asset_tag="LOT-A-0008", serial_number="CN0AB13", lot=lot)
    response = scan(operator_client, code)
    assert response.status_code == 200
    assert response.context["computer"].asset_tag == "LOT-A-0007"
    html = response.content.decode()
    assert "LOT-A-0007" in html and "OptiPlex 7070 SFF" in html and "Reçu" in html and ">LOT-A<" in html
    assert "LOT-A-0008" not in html


def test_the_buttons_follow_the_status_and_the_permissions(operator_client, operator):
    received = ComputerFactory(status=S.RECEIVED)
    labels = [label for _action, label in scan(operator_client, received.asset_tag).context["unit_actions"]]
    assert labels == [
        "Démarrer le reconditionnement",
        "Enregistrer un effacement",
        "Enregistrer le test fonctionnel",
        "Mettre au rebut",
    ]
    wiped = wiped_in_workshop(operator)
    actions = [action for action, _label in scan(operator_client, wiped.asset_tag).context["unit_actions"]]
    assert actions == ["mark_ready", "record_wipe", "record_functional_test", "scrap"]
    html = scan(operator_client, wiped.asset_tag).content.decode()
    assert "Réimprimer l&#x27;étiquette" in html or "Réimprimer l'étiquette" in html
    # Someone who may only look (the handover desk) sees the unit and its label, no move.
    desk = make_user("handover")
    operator_client.force_login(desk)
    response = scan(operator_client, wiped.asset_tag)
    assert response.status_code == 200
    assert response.context["unit_actions"] == []
    assert 'value="print_labels"' in response.content.decode()


def test_mark_ready_from_the_scan_page_comes_back_for_the_next_scan(operator_client, operator):
    computer = wiped_in_workshop(operator)
    back = scan(operator_client, computer.asset_tag).context["back_url"]
    response = operator_client.post(
        reverse("admin:inventory_computer_changelist"),
        {"action": "mark_ready", "_selected_action": [computer.pk], "index": 0, "_next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    computer.refresh_from_db()
    assert computer.status == S.READY
    assert ComputerEvent.objects.filter(computer=computer, to_status=S.READY).exists()
    page = operator_client.get(back)
    assert [str(m) for m in get_messages(page.wsgi_request)] == [f"1 ordinateur marqués prêts : {computer.asset_tag}."]
    assert page.context["computer"].status == S.READY


def test_mark_ready_refused_without_a_wipe_says_why(operator_client):
    computer = ComputerFactory(status=S.RECONDITIONING)
    back = scan(operator_client, computer.asset_tag).context["back_url"]
    response = operator_client.post(
        reverse("admin:inventory_computer_changelist"),
        {"action": "mark_ready", "_selected_action": [computer.pk], "index": 0, "_next": back},
        follow=True,
    )
    computer.refresh_from_db()
    assert computer.status == S.RECONDITIONING
    assert any("refusé" in str(m) for m in get_messages(response.wsgi_request))


def test_record_wipe_and_scrap_open_their_form_and_return_to_the_scan_page(operator_client):
    computer = ComputerFactory(status=S.RECEIVED)
    back = scan(operator_client, computer.asset_tag).context["back_url"]
    for action in ("record_wipe", "scrap"):
        form_page = operator_client.post(
            reverse("admin:inventory_computer_changelist"),
            {"action": action, "_selected_action": [computer.pk], "index": 0, "_next": back},
        )
        assert form_page.status_code == 200
        html = form_page.content.decode()
        assert f'name="_next" value="{back}"' in html.replace("&amp;", "&")  # the form returns here
    response = operator_client.post(
        reverse("admin:inventory_computer_changelist"),
        {
            "action": "record_wipe",
            "_selected_action": [computer.pk],
            "index": 0,
            "_next": back,
            "apply": "1",
            "kind": "exemption",
            "exemption": "drive_kept",
            "exemption_reason": "Disque conservé par le donateur.",
            "performed_on": "2026-01-20",
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    computer.refresh_from_db()
    assert computer.wipe_record is not None


def test_print_its_label_again(operator_client):
    computer = ComputerFactory(asset_tag="LOT-B-0001")
    response = operator_client.post(
        reverse("admin:inventory_computer_changelist"),
        {"action": "print_labels", "_selected_action": [computer.pk], "index": 0},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "code",
    [
        "INCONNU-42",
        "<script>alert(1)</script>",
        "A\x00B",  # PostgreSQL refuses NUL in a query: never asked
        "9" * 5000,  # a scanner gone mad
        "12,5",
        "%",
        "_",
    ],
)
def test_an_unknown_code_says_so_and_changes_nothing(operator_client, code):
    ComputerFactory(asset_tag="LOT-C-0001", serial_number="SNC0001")
    before = list(Computer.objects.values_list("pk", "status", "updated_at"))
    response = scan(operator_client, code)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aucun ordinateur ne porte le numéro" in html
    assert "<script>alert" not in html
    assert response.context["computer"] is None
    assert 'aria-invalid="true"' in html and "autofocus" in html  # the field is ready for the next scan
    assert list(Computer.objects.values_list("pk", "status", "updated_at")) == before


def test_a_serial_shared_by_two_makers_lets_the_operator_choose(operator_client):
    ComputerFactory(asset_tag="LOT-D-0001", manufacturer="Dell", serial_number="ABC123")
    ComputerFactory(asset_tag="LOT-D-0002", manufacturer="HP", serial_number="ABC123")
    response = scan(operator_client, "abc123")
    assert response.context["computer"] is None
    assert [unit.asset_tag for unit, _badge, _url in response.context["matches"]] == ["LOT-D-0001", "LOT-D-0002"]
    assert "choisissez" in response.content.decode()


def test_the_page_costs_the_same_whatever_the_stock(operator_client, django_assert_max_num_queries):
    lot = LotFactory()
    ComputerFactory(asset_tag="LOT-E-0001", lot=lot)
    scan(operator_client, "LOT-E-0001")  # warm the session and permission caches
    with django_assert_max_num_queries(12) as small:
        scan(operator_client, "LOT-E-0001")
    Computer.objects.bulk_create(
        [
            Computer(asset_tag=f"LOT-E-{i:04d}", manufacturer="HP", serial_number=f"E{i:05d}", lot=lot)
            for i in range(2, 300)
        ]
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        scan(operator_client, "LOT-E-0001")


def test_reachable_from_the_admin_home_and_the_units_list(operator_client):
    url = reverse(SCAN)
    assert url in operator_client.get(reverse("admin:index")).content.decode()
    assert url in operator_client.get(reverse("admin:inventory_computer_changelist")).content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_who_reaches_the_scan_page(client, role):
    ComputerFactory(asset_tag="LOT-F-0001")
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    response = scan(client, "LOT-F-0001")
    if role in ("inventory", "manager", "handover", "superuser"):
        assert response.status_code == 200
        assert response.context["computer"].asset_tag == "LOT-F-0001"
    elif role == "reviewer":
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_in_english(operator_client):
    ComputerFactory(asset_tag="LOT-G-0001")
    operator_client.cookies["django_language"] = "en"
    html = scan(operator_client, "LOT-G-0001").content.decode()
    assert (
        "<h1>Scan a computer</h1>" in html and "Asset tag or serial number" in html and "Print the label again" in html
    )
    html = scan(operator_client, "NOPE").content.decode()
    assert "No computer has the number “NOPE”" in html
