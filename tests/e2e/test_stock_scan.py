"""The stock's scan page in the browser, on a phone (390 px) and a tablet (1024x768): a USB scanner types the asset
tag and Enter into the focused field, the unit shows, "Marquer prêt" moves it and the page comes back ready for the
next scan; an unknown code says so with the focus back in the field; the camera path decodes a real QR code image
with the vendored jsQR and opens the unit.

Screenshots go to ``$SCAN_SHOTS`` when it is set (``SCAN_SHOTS=/tmp/shots-scan``).
"""

from __future__ import annotations

import os

import pytest
import segno
from playwright.sync_api import expect

from inventory.models import Computer
from tests.e2e.staff import sign_in_to_the_admin, with_password_and_totp
from tests.e2e.test_phone_layout import overflow_problems
from tests.factories.inventory import ComputerFactory, LotFactory, stock_operator, wiped_in_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENS = {"phone": (390, 844), "tablet-portrait": (768, 1024), "tablet": (1024, 768), "desktop": (1440, 900)}

# Draws the QR code image given as a data URL on a canvas and hands its pixels to the page's decoder.
DECODE_IMAGE_JS = """
async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff'; context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0);
  return window.stockScan.scanImageData(context.getImageData(0, 0, canvas.width, canvas.height));
}
"""


@pytest.fixture
def operator(db):
    return with_password_and_totp(
        stock_operator(email="atelier@ville.example.org", first_name="Samia", last_name="Stock")
    )


@pytest.fixture
def units(operator):
    lot = LotFactory(reference="ORANGE-2026-01")
    wiped = wiped_in_workshop(operator, asset_tag="ORANGE-2026-01-0001", lot=lot)
    other = ComputerFactory(asset_tag="ORANGE-2026-01-0002", lot=lot, model="EliteDesk 800 G5 SFF", manufacturer="HP")
    return wiped, other


def shot(page, name: str) -> None:
    folder = os.environ.get("SCAN_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("screen", SCREENS)
def test_scan_with_a_usb_scanner_then_the_camera(browser, live_server, operator, units, screen):
    wiped, other = units
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    sign_in_to_the_admin(page, live_server, operator)

    # From the admin home's stock to-do list.
    page.get_by_role("link", name="Scanner une étiquette").click()
    field = page.get_by_label("Numéro d'inventaire ou de série")
    expect(field).to_be_focused()
    shot(page, f"scan-empty-{screen}")

    # A USB scanner types into the focused field, then Enter.
    page.keyboard.type(wiped.asset_tag)
    page.keyboard.press("Enter")
    result = page.locator(".scan-unit")
    expect(result).to_contain_text(wiped.asset_tag)
    expect(result).to_contain_text("OptiPlex 7070 SFF")
    expect(result).to_contain_text("En reconditionnement")
    expect(result).to_contain_text("ORANGE-2026-01")
    expect(page.get_by_label("Numéro d'inventaire ou de série")).to_be_focused()
    expect(page.get_by_role("button", name="Arrêter la caméra")).to_be_hidden()
    assert not overflow_problems(page, f"unit {screen}")
    ready = page.get_by_role("button", name="Marquer prêt")
    box = ready.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    shot(page, f"scan-unit-{screen}")

    ready.click()
    expect(page.locator(".messagelist")).to_contain_text("marqués prêts")
    expect(page.locator(".scan-unit")).to_contain_text("Prêt")
    wiped.refresh_from_db()
    assert wiped.status == Computer.Status.READY

    # An unknown code: the message, and the field ready for the next scan.
    page.keyboard.type("PAS-UN-NUMERO")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Aucun ordinateur ne porte le numéro « PAS-UN-NUMERO »")
    expect(page.get_by_label("Numéro d'inventaire ou de série")).to_be_focused()
    assert not overflow_problems(page, f"unknown {screen}")
    shot(page, f"scan-unknown-{screen}")

    # The camera path: a frame holding the label's QR code (its asset tag, as inventory.labels draws it).
    image = segno.make(other.asset_tag, error="m").png_data_uri(scale=6, border=4)
    with page.expect_navigation():
        assert page.evaluate(DECODE_IMAGE_JS, image) == other.asset_tag
    expect(page.locator(".scan-unit")).to_contain_text(other.asset_tag)
    expect(page.locator(".scan-unit")).to_contain_text("EliteDesk 800 G5 SFF")
    context.close()
