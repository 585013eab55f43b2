"""The header's links in a real browser, at 390, 768, 1024, 1200 and 1440 px (the menu folds below 1200 px):
« Les campagnes » for everyone, « Donner des ordinateurs » for visitors (and in the footer for everyone),
« Espace donateur » for a donor's person (in place of the association space's link), the header never wider than
the screen.

``HEADER_SHOTS=dir pytest tests/e2e/test_header_links.py`` also saves the screenshots.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.sign_in import sign_in, with_verified_email
from tests.factories.campaigns import DonorFactory
from tests.factories.donors import donor_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-42"
WIDTHS = (390, 768, 1024, 1200, 1440)


def _header_fits(page, label: str) -> None:
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('header *')]"
        ".filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().right))"
    )
    width = page.evaluate("document.documentElement.clientWidth")
    widest = page.evaluate(
        "[...document.querySelectorAll('header *')].filter(e => e.getClientRects().length && "
        "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert right <= width + 1, f"{label}: the header is {right - width}px wider than the screen: {widest}"


def _open_menu(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator(".navbar-collapse.show")).to_be_visible()
        expect(page.locator(".navbar-collapse.collapsing")).to_have_count(0)


def _check(page, url: str, links: dict[str, str], label: str, shots: str | None) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 700})
        page.goto(url)
        header = page.locator("header")
        _open_menu(page)
        for name, href in links.items():
            link = header.get_by_role("link", name=name, exact=True)
            expect(link).to_be_visible()
            expect(link).to_have_attribute("href", href)
        _header_fits(page, f"{label} {width}px")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/header-{label}-{width}.png")


def test_visitors_and_donors_find_their_links_at_every_width(page, live_server):
    page.set_default_timeout(15000)
    shots = os.environ.get("HEADER_SHOTS")
    public = {"Les campagnes": "/campaigns/", "Donner des ordinateurs": "/donate/"}
    _check(page, f"{live_server.url}/", public, "anonymous", shots)
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="Donner des ordinateurs")).to_have_attribute("href", "/donate/")
    expect(footer.get_by_role("link", name="Les campagnes")).to_have_attribute("href", "/campaigns/")

    person = donor_member(DonorFactory(name="Orange"), email="responsable.rse.groupe@orange-entreprise.example.org")
    with_verified_email(person, PASSWORD)
    page.set_viewport_size({"width": 1440, "height": 700})
    sign_in(page, live_server, person.email, password=PASSWORD, lands_on="/donor/")
    _check(page, f"{live_server.url}/", {"Les campagnes": "/campaigns/", "Espace donateur": "/donor/"}, "donor", shots)
    expect(page.locator("header").get_by_role("link", name="Mon espace association")).to_have_count(0)
    expect(page.locator("footer").get_by_role("link", name="Donner des ordinateurs")).to_have_attribute(
        "href", "/donate/"
    )
