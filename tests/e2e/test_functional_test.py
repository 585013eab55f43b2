"""The stock operator records a unit's functional test from its page, in a real browser, then marks it ready.

The form is looked at on a phone, a tablet in both directions and a desktop: nothing sticks out sideways, and the
button that records the test is on screen after scrolling. Screenshots go to ``FUNCTIONAL_TEST_SHOTS`` when set.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts import roles
from accounts.services import user_add_totp
from inventory.models import Computer, FunctionalTest, WipeRecord
from tests.e2e.staff import TOTP_SECRET, sign_in_to_the_admin
from tests.factories.accounts import staff_with_role
from tests.factories.campaigns import CampaignFactory
from tests.factories.inventory import ComputerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTHS = (390, 768, 1024, 1440)
OVERFLOW = (Path(__file__).parent / "overflow.js").read_text()


@pytest.fixture
def unit(db):
    CampaignFactory(name="1000 ordinateurs pour Marseille", slug="marseille")
    computer = ComputerFactory(status=Computer.Status.RECONDITIONING, asset_tag="ORANGE-2026-01-0042")
    record = WipeRecord.objects.create(
        computer=computer, kind="wipe", method="nist_purge", result="passed", report_reference="BDE-2026-000042"
    )
    Computer.objects.filter(pk=computer.pk).update(wipe_record=record)
    return computer


def test_the_operator_tests_a_unit_and_marks_it_ready(page, live_server, unit):
    page.set_default_timeout(15000)
    operator = staff_with_role(roles.INVENTORY_OPERATOR, email="atelier@ville.example.org")
    user_add_totp(user=operator, secret=TOTP_SECRET)
    sign_in_to_the_admin(page, live_server, operator)
    shots = os.environ.get("FUNCTIONAL_TEST_SHOTS")

    page.goto(f"{live_server.url}/admin/inventory/computer/{unit.pk}/change/")
    page.get_by_role("button", name="Enregistrer le test fonctionnel").click()
    expect(page.get_by_text("Liste de contrôle : 1000 ordinateurs pour Marseille.")).to_be_visible()

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/functional-test-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px stick out at {width}px: {page.evaluate(OVERFLOW)}"
        submit = page.get_by_role("button", name="Enregistrer le test")
        submit.scroll_into_view_if_needed()
        expect(submit).to_be_in_viewport()
    page.set_viewport_size({"width": 1440, "height": 900})

    # USB fails first: the unit is flagged, and cannot be marked ready.
    for label in ("Mise sous tension", "Sortie d'affichage", "Réseau", "Clavier et souris", "État du stockage (SMART)"):
        page.locator(".form-row", has_text=label).first.get_by_label("Réussi").check()
    page.locator(".form-row", has_text="Ports USB").first.get_by_label("En échec").check()
    page.get_by_label("Note sur « Ports USB » (facultative)").fill("Deux ports avant muets")
    page.get_by_role("button", name="Enregistrer le test").click()
    expect(page.get_by_text("1 ordinateur avec test fonctionnel enregistré")).to_be_visible()
    expect(page.get_by_text("Le dernier test fonctionnel a échoué")).to_be_visible()
    expect(page.get_by_text("Deux ports avant muets").first).to_be_visible()

    # Repaired, tested again: every item passes, and « Marquer prêt » works.
    page.get_by_role("button", name="Enregistrer le test fonctionnel").click()
    for radio in page.get_by_label("Réussi").all():
        radio.check()
    page.get_by_role("button", name="Enregistrer le test").click()
    expect(page.get_by_text("1 ordinateur avec test fonctionnel enregistré")).to_be_visible()
    page.get_by_role("button", name="Marquer prêt").click()
    expect(page.get_by_text(re.compile(r"1 ordinateur marqués? prêts?"))).to_be_visible()
    if shots:
        page.screenshot(path=f"{shots}/functional-test-unit-page.png", full_page=True)

    unit.refresh_from_db()
    assert unit.status == Computer.Status.READY
    assert [t.passed for t in FunctionalTest.objects.filter(computer=unit).order_by("pk")] == [False, True]
