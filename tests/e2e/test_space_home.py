"""The space's home in a real browser, on a phone (390 px) and a desktop (1280 px), in French and English.

``SPACE_SHOTS=dir pytest tests/e2e/test_space_home.py`` also saves the four screenshots in ``dir``
(docs/space-home-390.png and docs/space-home-1280.png are the French ones).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories.space import PASSWORD, space_with_everything

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADINGS = {
    "fr": ("À faire maintenant", "Confirmer le rendez-vous de remise", "Où en sont vos candidatures"),
    "en": ("To do now", "Confirm the handover appointment", "Where your applications stand"),
}


def _login(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{live_server.url}/space/")


def test_space_home_on_a_phone_and_a_desktop(page, live_server, axe_check):
    space = space_with_everything()
    page.set_default_timeout(15000)
    _login(page, live_server, space.member.email)
    shots = os.environ.get("SPACE_SHOTS")
    for language in ("fr", "en"):
        if language == "en":
            page.set_viewport_size({"width": 1280, "height": 900})
            page.locator("form[action='/i18n/setlang/'] button[value='en']").click()
            page.wait_for_url(f"{live_server.url}/space/")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}/space/")
            expect(page.locator("html")).to_have_attribute("lang", language)
            for heading in HEADINGS[language]:
                expect(page.get_by_role("heading", name=heading).first).to_be_visible()
            # Nothing wider than the screen: no sideways scrolling on a phone.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{language} {width}px: {overflow}px wider than the screen"
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{shots}/space-home-{language}-{width}.png", full_page=True)
        axe_check(page, f"space home ({language})")
        if shots:  # the application's page too, to look at its allocation and history in this language
            page.goto(f"{live_server.url}{space.application.get_absolute_url()}")
            page.screenshot(path=f"{shots}/application-{language}-1280.png", full_page=True)
            page.goto(f"{live_server.url}/space/")
