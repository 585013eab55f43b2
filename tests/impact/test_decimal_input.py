"""« 12,5 » hours are 12.5, typed in French or in English, in a real browser too (issue 12, point 12)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from core.forms import DecimalNumberField
from impact.forms import ImpactReportForm
from impact.models import ImpactReport
from tests.factories.associations import member_of
from tests.factories.impact import handed_over_wave, impact_reports_for
from tests.impact.conftest import GOOD

PASSWORD = "motdepasse-solide-42"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("typed", ["12,5", "12.5", " 12,5 ", "12,50", ",5"])
def test_a_decimal_field_reads_a_comma_or_a_point_in_either_language(language, typed):
    field = DecimalNumberField(max_digits=7, decimal_places=2)
    with translation.override(language):
        value = field.clean(typed)
    assert value == (Decimal("0.5") if typed == ",5" else Decimal("12.5"))


@pytest.mark.parametrize("typed", ["douze", "12,5,1", "1.234,5", "12,5 h", "12..5", "--1", ",", "1e3", "½"])
def test_anything_else_is_refused_with_the_fields_french_message(typed):
    field = DecimalNumberField(error_messages={"invalid": "Indiquez un nombre d'heures, par exemple 12,5."})
    with pytest.raises(Exception) as caught:
        field.clean(typed)
    assert caught.value.messages == ["Indiquez un nombre d'heures, par exemple 12,5."]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("fr", "12,5"), ("en", "12.5")])
def test_the_report_form_shows_the_value_back_in_the_pages_language(report, language, shown):
    ImpactReport.objects.filter(pk=report.pk).update(workshop_hours=Decimal("12.5"), workshops_held=3)
    report.refresh_from_db()
    with translation.override(language):
        html = str(ImpactReportForm(report=report)["workshop_hours"].value())
        rendered = ImpactReportForm(report=report)["workshop_hours"].as_widget()
    assert html == shown
    assert 'type="text"' in rendered and 'inputmode="decimal"' in rendered


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["12,5", "12.5"])
def test_the_report_view_stores_12_5(client, report, association_member, typed):
    client.force_login(association_member)
    response = client.post(report.get_absolute_url(), {**GOOD, "workshop_hours": typed, "save": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.workshop_hours == Decimal("12.5")
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'value="12,5" inputmode="decimal"' in page


@pytest.mark.django_db
def test_garbage_gets_a_french_error_next_to_the_field_and_changes_nothing(client, report, association_member):
    client.force_login(association_member)
    response = client.post(report.get_absolute_url(), {**GOOD, "workshop_hours": "douze heures", "submit": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["workshop_hours"] == ["Indiquez un nombre d'heures, par exemple 12,5."]
    report.refresh_from_db()
    assert report.status == "draft" and report.workshop_hours == 0


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_typing_12_comma_5_in_the_browser_stores_12_5(page, live_server):
    """Chromium's number field dropped the comma: « 12,5 » became 125 in a report that is then read-only."""
    page.set_default_timeout(15000)
    wave = handed_over_wave(1, 10, on=datetime.date(2026, 1, 10))
    report = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
    member = member_of(report.association, email="bilan@asso.example.org")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill(member.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Connexion").click()
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.get_by_label("Ateliers tenus").fill("4")
    hours = page.get_by_label("Heures d'atelier (total)")
    hours.click()
    hours.press_sequentially("12,5")  # typed key by key, as a person does
    page.get_by_label("Personnes formées", exact=True).fill("10")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("div.messages")).to_be_visible()
    report.refresh_from_db()
    assert report.workshop_hours == Decimal("12.5")
    # Shown back as typed, in French.
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    expect(page.get_by_label("Heures d'atelier (total)")).to_have_value("12,5")
