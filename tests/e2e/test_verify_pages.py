"""/verify/ and the unknown-certificate and 404 pages in a browser: accessible, usable on a phone, in both languages.

Screenshots go to $SHOTS_DIR when it is set (to look at them), at 390 and 1280 pixels wide.
"""

import os
from pathlib import Path

import pytest
from django.test import override_settings

from tests.e2e.menu import switch_language
from tests.factories.certificates import confirmed_wave

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)


def _shot(page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _not_found(page, url: str, heading: str) -> None:
    response = page.goto(url)
    assert response.status == 404
    assert page.get_by_role("heading", name=heading).is_visible()


# The missing pages checked at each width: the path, its heading, its name for the checks, its screenshot's name.
MISSING = (
    ("/verify/ZZZZ-ZZZZ-ZZZZ/", "Attestation inconnue", "unknown certificate", "verify-unknown"),  # an unknown code
    ("/nulle-part/", "Page introuvable", "404", "404"),  # any other missing page
)


@override_settings(DEBUG=False)
def test_lookup_form_unknown_certificate_and_404(page, live_server, axe_check):
    handover = confirmed_wave(1, 10).allocations.get().handover
    page.set_default_timeout(15000)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # The form: typing the number in lower case finds the certificate.
        page.goto(f"{live_server.url}/verify/")
        axe_check(page, f"/verify/ ({width})")
        _no_horizontal_scroll(page)
        _shot(page, f"verify-form-{width}")
        page.get_by_label("Numéro d'attestation ou code de vérification").fill(handover.number.lower())
        page.get_by_role("button", name="Vérifier l'attestation").click()
        page.wait_for_url(f"**{handover.get_verify_url()}")
        assert handover.number in page.content()
        # A code typed from paper, with spaces and in lower case.
        page.goto(f"{live_server.url}/verify/")
        page.get_by_label("Numéro d'attestation ou code de vérification").fill(handover.code.replace("-", " ").lower())
        page.get_by_role("button", name="Vérifier l'attestation").click()
        page.wait_for_url(f"**{handover.get_verify_url()}")
        for path, heading, name, shot in MISSING:
            _not_found(page, f"{live_server.url}{path}", heading)
            axe_check(page, f"{name} ({width})")
            _no_horizontal_scroll(page)
            _shot(page, f"{shot}-{width}")
    # In English.
    page.goto(live_server.url)
    switch_language(page, "English", "en")
    page.set_viewport_size({"width": 390, "height": 900})
    _not_found(page, f"{live_server.url}/verify/?q=zzzz", "Unknown certificate")
    axe_check(page, "unknown certificate (en)")
    _shot(page, "verify-unknown-en-390")
