"""An association issues an in-kind gift receipt from a phone (390 px): it declares its eligibility (a French
error first), checks the receipt prefilled after Cerfa n° 16216 and issues it; its PDF is there to download. No page
is wider than the screen, and axe finds no serious problem.

``RECEIPTS_SHOTS=dir pytest tests/e2e/test_receipts_journey.py`` also saves the pages at 390 and 1440 px.
"""

import functools

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from impact import receipts
from impact.models import Receipt
from tests.e2e.sign_in import fits as _fits
from tests.e2e.sign_in import shots, sign_in
from tests.factories.support import handed_over

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
_shots = functools.partial(shots, folder_variable="RECEIPTS_SHOTS", prefix="receipts")


def test_an_association_issues_a_receipt_from_a_phone(page, live_server, axe_check):
    given = handed_over(10, handed_over_on=timezone.localdate(), member_email="tresoriere@asso-recus.example.org")
    lot = given.computers[0].lot
    receipts.lot_valuation_declare(lot=lot, unit_value="1 234,5", by=None)  # the donor declared it
    year = timezone.localdate().year
    page.set_default_timeout(20000)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, given.member.email, lands_on="/space/")

    page.goto(f"{live_server.url}/space/receipts/")
    expect(page.get_by_role("heading", name="Reçus fiscaux de dons en nature")).to_be_visible()
    page.get_by_role("link", name="Déclarer notre éligibilité").click()
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    expect(page.get_by_text("Cochez la case pour déclarer que votre association est éligible.")).to_be_visible()
    _fits(page, "eligibility with an error")
    axe_check(page, "eligibility")
    _shots(page, "eligibility")
    page.get_by_label("Notre association est un organisme d'intérêt général").check()
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    expect(page.get_by_text("Déclaration enregistrée")).to_be_visible()
    _fits(page, "receipts list")
    _shots(page, "list")

    page.get_by_role("link", name="Vérifier le reçu").click()
    expect(page.get_by_role("heading", name="Reçu fiscal à vérifier")).to_be_visible()
    expect(page.get_by_text("12 345,00 €").first).to_be_visible()
    expect(page.get_by_text("seule responsable de son éligibilité").first).to_be_visible()
    _fits(page, "receipt to check")
    axe_check(page, "receipt to check")
    _shots(page, "check")
    page.get_by_role("button", name="Émettre le reçu").click()

    expect(page.get_by_text(f"Reçu n° {year}-0001 émis")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger le reçu (PDF)")).to_be_visible()  # rendered on commit
    _fits(page, "issued receipt")
    _shots(page, "issued")
    receipt = Receipt.objects.get()
    assert (receipt.number, receipt.status, receipt.state) == (f"{year}-0001", "issued", "ready")
    href = page.get_by_role("link", name="Télécharger le reçu (PDF)").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
