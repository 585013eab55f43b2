"""A stock partner's token: units of its lots by serial (the admin import's checks and history), wipe results
(the wipe service's), all or nothing, idempotent, never a 500 on hostile input."""

import datetime

import pytest
from django.urls import reverse

from inventory.models import Computer, ComputerEvent, WipeRecord
from tests.factories.api import partner_token
from tests.factories.inventory import ComputerFactory, LotFactory, StockPartnerFactory

pytestmark = pytest.mark.django_db

UNITS = [
    {"manufacturer": "dell inc", "model": "OptiPlex 7070", "serial_number": "ab 123", "ram_gb": 8, "grade": "B"},
    {"manufacturer": "HP", "model": "EliteDesk 800 G4", "serial_number": "HP-0001", "has_keyboard": False},
]


@pytest.fixture
def issued():
    return partner_token(StockPartnerFactory(name="Atelier du Prado"))


@pytest.fixture
def lot(issued):
    return LotFactory(reference="ORANGE-2026-01", partner=issued.token.partner)


def post(client, issued, lot, path: str, body, **extra):
    return client.post(
        reverse(f"api:partner_lot_{path}", args=[lot.pk]),
        body,
        content_type="application/json",
        **issued.headers,
        **extra,
    )


def test_units_created_with_the_import_history_then_unchanged(client, issued, lot):
    response = post(client, issued, lot, "units", {"units": UNITS})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    dell = Computer.objects.get(serial_number="AB123")
    assert dell.manufacturer == "Dell" and dell.lot == lot and dell.status == "received" and dell.ram_gb == 8
    assert dell.asset_tag.startswith("ORANGE-2026-01-")
    assert Computer.objects.get(serial_number="HP-0001").has_keyboard is False
    events = ComputerEvent.objects.filter(computer__lot=lot)
    assert events.count() == 2 and {e.kind for e in events} == {"created"}
    assert {e.actor_id for e in events} == {issued.token.actor_id}
    assert all(e.actor_label.startswith("API Atelier du Prado") for e in events)
    # The same payload again: nothing changes, no history row.
    again = post(client, issued, lot, "units", {"units": UNITS}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert ComputerEvent.objects.filter(computer__lot=lot).count() == 2
    assert Computer.objects.filter(lot=lot).count() == 2


def test_update_touches_only_the_fields_sent(client, issued, lot):
    post(client, issued, lot, "units", {"units": UNITS})
    update = {"manufacturer": "Dell", "model": "OptiPlex 7070", "serial_number": "AB123", "ram_gb": "16"}
    body = post(client, issued, lot, "units", {"units": [update]}).json()
    assert body["updated"] == 1
    dell = Computer.objects.get(serial_number="AB123")
    assert dell.ram_gb == 16 and dell.grade == "B"  # grade not sent: kept
    event = ComputerEvent.objects.filter(computer=dell, kind="updated").get()
    assert "8 → 16" in event.note


@pytest.mark.parametrize(
    "unit, field, words",
    [
        ({"ram_gb": "12,5"}, "ram_gb", "nombre entier"),
        ({"ram_gb": 12.5}, "ram_gb", "nombre entier"),
        ({"ram_gb": [8]}, "ram_gb", "pas une liste"),
        ({"grade": "Z"}, "grade", "A, B ou C"),
        ({"model": "x" * 500}, "model", "120 caractères"),
        ({"model": "nul\x00"}, "model", "invisibles"),
        ({"has_mouse": "peut-être"}, "has_mouse", "oui"),
        ({"model": True}, "model", "booléen"),
        ({"colour": "bleu"}, "colour", "champ inconnu"),
        ({"serial_number": ""}, "serial_number", "obligatoire"),
    ],
)
def test_bad_unit_gives_a_french_field_error_and_writes_nothing(client, issued, lot, unit, field, words):
    units = [UNITS[0], {**UNITS[1], **unit}]
    response = post(client, issued, lot, "units", {"units": units})
    assert response.status_code == 400
    body = response.json()
    assert "rien n'a été enregistré" in body["detail"]
    assert [e["field"] for e in body["errors"]] == [f"units[1].{field}"], body
    assert words in body["errors"][0]["message"]
    assert not Computer.objects.exists() and not ComputerEvent.objects.exists()


def test_html_is_kept_as_text(client, issued, lot):
    unit = {**UNITS[0], "notes": "<script>alert(1)</script>"}
    assert post(client, issued, lot, "units", {"units": [unit]}).status_code == 200
    assert Computer.objects.get().notes == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "body",
    [{"units": "nope"}, {"units": []}, {"units": [1, 2]}, {"unites": []}, [], '"x"', "42"],
)
def test_wrong_shapes_are_400(client, issued, lot, body):
    response = post(client, issued, lot, "units", body)
    assert response.status_code == 400 and response.json()["errors"]


def test_invalid_json_and_huge_bodies(client, issued, lot, settings):
    url = reverse("api:partner_lot_units", args=[lot.pk])
    response = client.post(url, "{not json", content_type="application/json", **issued.headers)
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    response = client.post(url, "[" * 100_000 + "]" * 100_000, content_type="application/json", **issued.headers)
    assert response.status_code in (400, 413)
    settings.API_MAX_BODY_BYTES = 1000
    big = {"units": [{**UNITS[0], "notes": "x" * 2000}]}
    response = post(client, issued, lot, "units", big)
    assert response.status_code == 413 and "Ko" in response.json()["detail"]
    settings.API_MAX_UNITS = 1
    response = post(client, issued, lot, "units", {"units": UNITS})
    assert response.status_code == 400 and "au plus" in response.json()["errors"][0]["message"]
    assert not Computer.objects.exists()


def test_duplicates_in_the_request_and_serials_of_another_lot(client, issued, lot):
    response = post(client, issued, lot, "units", {"units": [UNITS[0], {**UNITS[0], "serial_number": "AB123"}]})
    assert response.status_code == 400 and "double" in response.json()["errors"][0]["message"]
    other = ComputerFactory(manufacturer="HP", serial_number="HP-0001")  # in another lot
    response = post(client, issued, lot, "units", {"units": UNITS})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error == {"field": "units[1].serial_number", "message": "numéro de série déjà enregistré dans un autre lot"}
    assert other.lot.reference not in response.content.decode()  # another lot's stock is not revealed
    assert not Computer.objects.filter(lot=lot).exists()


def test_other_lots_are_not_found(client, issued):
    theirs = LotFactory(partner=StockPartnerFactory(name="Autre atelier"))
    nobody = LotFactory()
    for other in (theirs, nobody):
        assert post(client, issued, other, "units", {"units": UNITS}).status_code == 404
        assert post(client, issued, other, "wipes", {"wipes": []}).status_code == 404
        assert client.get(reverse("api:partner_lot", args=[other.pk]), **issued.headers).status_code == 404
        assert client.get(reverse("api:partner_lot_units", args=[other.pk]), **issued.headers).status_code == 404
    assert not Computer.objects.filter(lot__in=[theirs, nobody]).exists()


def test_partner_lists_its_lots_and_units(client, issued, lot, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    LotFactory(partner=StockPartnerFactory(name="Autre atelier"))
    ComputerFactory(lot=lot)
    assert [r["reference"] for r in client.get(reverse("api:partner_lots"), **issued.headers).json()["results"]] == [
        "ORANGE-2026-01"
    ]
    url = reverse("api:partner_lot_units", args=[lot.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, **issued.headers).json()["count"] == 1
    for _n in range(20):
        ComputerFactory(lot=lot, status="ready")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url, **issued.headers).json()
    assert body["count"] == 21 and body["results"][-1]["wiped"] is True


WIPE = {
    "manufacturer": "Dell",
    "serial_number": "AB123",
    "method": "nist_purge",
    "result": "passed",
    "tool": "Blancco Drive Eraser",
    "tool_version": "7.9",
    "performed_on": "2026-05-04",
    "report_reference": "BL-42",
}


def test_wipe_recorded_with_the_service_history_then_unchanged(client, issued, lot):
    post(client, issued, lot, "units", {"units": UNITS})
    response = post(client, issued, lot, "wipes", {"wipes": [WIPE]})
    assert response.status_code == 200, response.content
    assert response.json()["recorded"] == 1
    dell = Computer.objects.get(serial_number="AB123")
    assert dell.wipe_record.report_reference == "BL-42" and dell.wipe_record.performed_on == datetime.date(2026, 5, 4)
    assert dell.wipe_record.actor_id == issued.token.actor_id
    assert ComputerEvent.objects.filter(computer=dell, kind="wipe").count() == 1
    again = post(client, issued, lot, "wipes", {"wipes": [WIPE]}).json()
    assert (again["recorded"], again["unchanged"]) == (0, 1)
    assert WipeRecord.objects.filter(computer=dell).count() == 1
    failed = post(client, issued, lot, "wipes", {"wipes": [{**WIPE, "result": "failed"}]}).json()
    assert failed["recorded"] == 1
    dell.refresh_from_db()
    assert dell.wipe_failed and dell.wipe_record is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"method": "magic"}, "wipes[0].method"),
        ({"performed_on": "04/05/2026"}, "wipes[0].performed_on"),
        ({"performed_on": "2999-01-01"}, "wipes[0].performed_on"),
        ({"serial_number": "INCONNU"}, "wipes[0].serial_number"),
        ({"report_reference": ""}, "wipes[0]"),
        ({"tool": "a\x00b"}, "wipes[0].tool"),
        ({"tool": ["x"]}, "wipes[0].tool"),
    ],
)
def test_bad_wipe_is_refused_by_field_and_writes_nothing(client, issued, lot, change, field):
    post(client, issued, lot, "units", {"units": UNITS})
    hp = {**WIPE, "manufacturer": "HP", "serial_number": "HP-0001"}
    response = post(client, issued, lot, "wipes", {"wipes": [{**WIPE, **change}, hp]})
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert errors[0]["field"] == field, errors
    assert not WipeRecord.objects.exists() and not ComputerEvent.objects.filter(kind="wipe").exists()


def test_wipe_of_a_unit_that_left_the_workshop_is_refused(client, issued, lot):
    ComputerFactory(lot=lot, manufacturer="Dell", serial_number="AB123", status="handed_over")
    response = post(client, issued, lot, "wipes", {"wipes": [{**WIPE, "report_reference": "BL-43"}]})
    assert response.status_code == 400 and "quitté l'atelier" in response.json()["errors"][0]["message"]


def test_out_of_range_ids_and_other_media_types_are_not_500(client, issued):
    huge = "9" * 30
    assert client.get(f"/api/partner/lots/{huge}/", **issued.headers).status_code == 404
    assert client.get(f"/api/donor/lots/{huge}/", **issued.headers).status_code == 403
    lot = LotFactory(partner=issued.token.partner)
    url = reverse("api:partner_lot_units", args=[lot.pk])
    response = client.post(url, "units=1", content_type="application/x-www-form-urlencoded", **issued.headers)
    assert response.status_code == 415 and response.json()["detail"]


# Per organiser: a partner writes only into the lots of the organisers it works for -----------------------------


@pytest.fixture
def lyon_lot(issued):
    """A Lyon lot that names the partner, which works for Marseille only."""
    from tests.factories.campaigns import OrganiserFactory, lyon

    issued.token.partner.organisers.set([OrganiserFactory()])
    return LotFactory(reference="LYON-2026-01", organiser=lyon(), partner=issued.token.partner, **NOT_ITS_ORGANISER)


NOT_ITS_ORGANISER = {"partner_works_for_organiser": False}


def test_a_lot_of_an_organiser_the_partner_does_not_work_for_is_refused_in_french(client, issued, lot, lyon_lot):
    ComputerFactory(lot=lyon_lot, manufacturer="Dell", serial_number="AB123", status="received")
    for path, body in (("units", {"units": UNITS}), ("wipes", {"wipes": [WIPE]})):
        response = post(client, issued, lyon_lot, path, body)
        assert response.status_code == 403, response.content
        assert response.json() == {
            "detail": "Ce lot appartient à un organisateur (Métropole de Lyon) pour lequel votre atelier ne travaille "
            "pas : rien n'a été enregistré."
        }
    for name in ("api:partner_lot", "api:partner_lot_units"):
        assert client.get(reverse(name, args=[lyon_lot.pk]), **issued.headers).status_code == 403
    # Nothing changed: no unit created, no wipe, no history.
    assert list(Computer.objects.filter(lot=lyon_lot).values_list("serial_number", flat=True)) == ["AB123"]
    assert not WipeRecord.objects.exists() and not ComputerEvent.objects.filter(computer__lot=lyon_lot).exists()
    # Its list shows only the lots of its organisers; its Marseille lot still takes units.
    listed = client.get(reverse("api:partner_lots"), **issued.headers).json()["results"]
    assert [r["reference"] for r in listed] == ["ORANGE-2026-01"]
    assert post(client, issued, lot, "units", {"units": UNITS[1:]}).status_code == 200


def test_the_refusal_is_in_english_for_an_english_client(client, issued, lyon_lot, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = post(client, issued, lyon_lot, "units", {"units": UNITS})
    assert response.status_code == 403
    assert "Métropole de Lyon" in response.json()["detail"] and "nothing was saved" in response.json()["detail"]


def test_once_the_partner_works_for_the_organiser_it_may_write(client, issued, lyon_lot):
    issued.token.partner.organisers.add(lyon_lot.organiser)
    assert post(client, issued, lyon_lot, "units", {"units": UNITS}).status_code == 200
    assert Computer.objects.filter(lot=lyon_lot).count() == 2


def test_another_partners_lot_stays_not_found_with_a_french_message(client, issued):
    theirs = LotFactory(partner=StockPartnerFactory(name="Autre atelier"))
    response = post(client, issued, theirs, "units", {"units": UNITS})
    assert response.status_code == 404
    assert response.json() == {"detail": "Lot introuvable parmi les lots confiés à votre atelier."}
