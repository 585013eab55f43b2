"""The public campaign page and the report form in a real browser, checked with axe-core."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible as axe_check
from tests.factories.associations import member_of
from tests.factories.impact import handed_over_wave, impact_reports_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-solide-42"


def test_campaign_page_and_report_form_are_accessible(page, live_server):
    page.set_default_timeout(15000)
    wave = handed_over_wave(2, 10, on=datetime.date(2026, 1, 10))
    reports = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    member = member_of(reports[0].association, email="bilan@asso.example.org")
    from impact import services
    from tests.impact.conftest import GOOD

    services.impact_report_save(report=reports[1], by=None, submit=True, **GOOD)

    page.goto(f"{live_server.url}{wave.campaign.get_absolute_url()}")
    expect(page.get_by_role("heading", name="La campagne en chiffres")).to_be_visible()
    expect(page.locator("table").filter(has_text="Personnes formées").first).to_contain_text("70")
    axe_check(page, "campaign page")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill(member.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Connexion").click()
    page.goto(f"{live_server.url}/space/reports/")
    axe_check(page, "report list")
    page.get_by_role("link", name="Remplir").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan d'impact")
    axe_check(page, "report form")

    # An inconsistent report: the error is next to the field, and the page stays accessible.
    page.get_by_label("Ateliers tenus").fill("4")
    page.get_by_label("Heures d'atelier (total)").fill("6")
    page.get_by_label("Personnes formées", exact=True).fill("10")
    page.get_by_label("75 ans et plus").fill("12")
    page.get_by_role("button", name="Envoyer le bilan").click()
    expect(page.locator("#id_age_under_26_error")).to_contain_text("La répartition par âge fait 12 personnes")
    axe_check(page, "report form with errors")

    page.get_by_label("75 ans et plus").fill("3")
    page.get_by_role("button", name="Envoyer le bilan").click()
    expect(page.get_by_text("Votre bilan est envoyé")).to_be_visible()
