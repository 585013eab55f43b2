"""Every public page and form, in French and in English, without serious or critical axe violation."""

import pytest
from playwright.sync_api import expect

from tests.e2e.menu import switch_language
from tests.factories.campaigns import CampaignFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/privacy/", "/accessibility/"]


def test_public_pages_are_accessible_in_both_languages(page, live_server, axe_check):
    campaign = CampaignFactory(name="1000 ordinateurs pour Marseille", slug="marseille")
    page.set_default_timeout(15000)
    for language in ("fr", "en"):
        if language == "en":
            page.goto(live_server.url)
            switch_language(page, "English", "en")
        for path in [*PAGES, campaign.get_absolute_url()]:
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language
            axe_check(page, f"{path} ({language})")
        # Errors of an empty login form are announced and summarised.
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("main").get_by_role("button").last.click()
        expect(page.locator("#error-summary")).to_be_visible()
        axe_check(page, f"login with errors ({language})")
