"""An inventory operator imports wipe reports in a real browser: from the units list, several files at once,
the check page (a refused report with its reason), then the confirmation; the page fits 390 to 1440 px."""

import datetime
import os
import pathlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from accounts.services import user_add_totp
from inventory.models import WipeRecord
from tests.e2e.staff import TOTP_SECRET, sign_in_to_the_admin
from tests.e2e.test_phone_layout import overflow_problems
from tests.factories.accounts import staff_with_role
from tests.factories.inventory import ComputerFactory
from tests.inventory.wipe_samples import Drive, blancco_csv, blancco_xml, nwipe_log

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTHS = (390, 768, 1024, 1440)
# Screenshots go where SCREENSHOTS_DIR says (to look at them), nowhere otherwise.
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def test_an_operator_checks_then_imports_wipe_reports(page, live_server):
    page.set_default_timeout(15000)
    operator = staff_with_role(roles.INVENTORY_OPERATOR, email="stock@ville.example.org")
    user_add_totp(user=operator, secret=TOTP_SECRET)
    ComputerFactory(asset_tag="ORANGE-0001", disk_serial="Z3TX1234", status="reconditioning")
    ComputerFactory(asset_tag="ORANGE-0002", serial_number="CZC1234XYZ", manufacturer="HP")
    ComputerFactory(asset_tag="ORANGE-0003", disk_serial="S3Z9NB0K")
    # A day well after the reports, whatever today is.
    ended = timezone.localtime().replace(tzinfo=None, microsecond=0) - datetime.timedelta(days=3)
    files = [
        ("nwipe-2026-03-02-sda.log", nwipe_log(Drive("Z3TX1234"), ended=ended)),
        ("blancco-ORANGE-0002.xml", blancco_xml(Drive("CZC1234XYZ"))),
        ("blancco-export.csv", blancco_csv({"serial": "S3Z9NB0K", "uuid": "R-77"})),
        ("nwipe-inconnu.log", nwipe_log(Drive("WD-WCC4N0KX9999"), ended=ended)),
    ]
    sign_in_to_the_admin(page, live_server, operator)

    page.goto(f"{live_server.url}/admin/inventory/computer/")
    page.get_by_role("link", name="Importer des rapports d'effacement").click()
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems += overflow_problems(page, f"upload page at {width} px")
        if SHOTS:
            page.screenshot(path=str(pathlib.Path(SHOTS) / f"wipe-reports-upload-{width}.png"), full_page=True)
    page.locator("input[type=file]").set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in files]
    )
    page.get_by_role("button", name="Vérifier les rapports").click()
    expect(page.get_by_text("3 effacements à enregistrer")).to_be_visible()
    expect(page.get_by_text("aucun ordinateur ne porte ce numéro de série de disque")).to_be_visible()

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems += overflow_problems(page, f"check page at {width} px")
        if SHOTS:
            page.screenshot(path=str(pathlib.Path(SHOTS) / f"wipe-reports-check-{width}.png"), full_page=True)
    assert not problems, "\n".join(problems)
    assert not WipeRecord.objects.exists()

    page.set_viewport_size({"width": 1024, "height": 900})
    page.get_by_role("button", name="Enregistrer seulement les effacements reconnus").click()
    expect(page.get_by_text("Rapports importés : 3 effacements enregistrés")).to_be_visible()
    assert sorted(WipeRecord.objects.values_list("computer__asset_tag", flat=True)) == [
        "ORANGE-0001",
        "ORANGE-0002",
        "ORANGE-0003",
    ]
