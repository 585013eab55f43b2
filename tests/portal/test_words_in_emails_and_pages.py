"""Association-facing emails and pages in plain, translated words: no French in English, no planner text."""

import pytest
from django.urls import reverse
from django.utils import translation

from associations.models import Application, ApplicationEvent
from campaigns.models import Campaign
from certificates.models import Handover
from core.emails import render_email
from donations.models import Allocation, Wave
from impact.models import ImpactReport

# Words the French templates use, which an English email must never contain.
FRENCH_WORDS = ("Bonjour", "ordinateurs", "vague", "Vague", "rendez-vous", "février", "lundi", " le 1er", "candidature")


CONFIRMED = {
    "association": "Les Claviers solidaires",
    "campaign": "1000 ordinateurs pour Marseille",
    "wave": "Vague 2",  # as an older email stored it (in French)
    "wave_number": 2,
    "wave_final": False,
    "wave_name": "",
    "quantity": 12,
    "granted": 25,
    "elsewhere": 0,
    "set_by_team": "",
    "reason": "12 ordinateurs dans cette vague ; 13 restent à attribuer dans une prochaine vague",
    "appointment_date": "2027-02-01",
    "appointment_start": "09:00",
    "appointment_end": "10:30",
    "appointment_place": "Gymnase Ruffi",
    "application_path": "/space/applications/1/",
}


def test_allocation_confirmed_in_french():
    subject, text, _html = render_email("allocation_confirmed", CONFIRMED, "fr")
    assert "L'attribution des Claviers solidaires pour la campagne" in text
    assert "(Vague 2)" in text
    assert "12 ordinateurs dans cette vague ; 13 restent à attribuer dans une prochaine vague" in text
    assert "le lundi 1er février 2027, de 9\u00a0h à 10\u00a0h\u00a030, Gymnase Ruffi." in text
    assert "priorité" not in text and "reçu" not in text


def test_allocation_confirmed_in_english_has_no_french():
    subject, text, _html = render_email("allocation_confirmed", CONFIRMED, "en")
    assert "The allocation for Les Claviers solidaires" in text
    assert "(Wave 2)" in text
    assert "on Monday 1 February 2027, from 9:00 to 10:30, Gymnase Ruffi." in text
    assert "12 computers in this wave; 13 remain to be allocated in a later wave" in text  # no French « ; »
    body = text.replace(CONFIRMED["campaign"], "").replace(CONFIRMED["association"], "")
    for word in FRENCH_WORDS:
        assert word not in body, word


def test_an_older_email_still_renders():
    """Rows queued before this change: a French date and a French explanation, no numbers to put in words."""
    older = {k: v for k, v in CONFIRMED.items() if k not in ("granted", "elsewhere", "wave_number")}
    older["appointment_date"] = "01/02/2027"
    _subject, text, _html = render_email("allocation_confirmed", older, "fr")
    assert "le 01/02/2027" in text and CONFIRMED["reason"] in text


@pytest.mark.parametrize(
    ("template", "french"),
    [
        ("application_submitted", "la candidature des Claviers solidaires"),
        ("application_approved", "la candidature des Claviers solidaires"),
        ("application_rejected", "la candidature des Claviers solidaires"),
        ("application_waitlisted", "La candidature des Claviers solidaires"),
        ("application_info_requested", "la candidature des Claviers solidaires"),
        ("allocation_appointment", "Un rendez-vous est proposé aux Claviers solidaires"),
        ("allocation_cancelled", "ordinateurs aux Claviers solidaires"),
        ("impact_reminder_after", "Le bilan des Claviers solidaires pour la période du 1er janvier au 31 mars 2026"),
        ("impact_report_returned", "le bilan des Claviers solidaires pour la période du 1er janvier au 31 mars 2026"),
    ],
)
def test_a_name_after_de_or_a_is_contracted(template, french):
    context = {
        **CONFIRMED,
        "granted": 25,
        "note": "",
        "message": "Une question ?",
        "cancel_reason": "Local fermé",
        "period": "du 01/01/2026 au 31/03/2026",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "due_on": "2026-04-15",
        "report_path": "/space/reports/1/",
    }
    _subject, text, _html = render_email(template, context, "fr")
    assert french in text
    assert "de Les " not in text and "à Les " not in text
    _subject, english, _html = render_email(template, context, "en")
    assert "Les Claviers solidaires" in english and "des Claviers" not in english


def test_every_status_shown_to_an_association_has_an_english_label():
    same_in_both = {"Message"}
    for choices in (
        Application.Status,
        Allocation.Status,
        Allocation.Appointment,
        Wave.Status,
        Handover.State,
        ImpactReport.Status,
        Campaign.Status,
        ApplicationEvent.Kind,
    ):
        for _value, label in choices.choices:
            with translation.override("fr"):
                french = str(label)
            with translation.override("en"):
                english = str(label)
            assert english != french or french in same_in_both, f"{choices.__name__}: {french}"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("fr", "supprimé après 1 mois"), ("en", "deleted after 1 month")])
def test_privacy_page_says_durations_in_words(client, settings, language, expected):
    settings.RETENTION_UNCONFIRMED_ACCOUNT_DAYS = 30
    settings.RETENTION_INACTIVE_ACCOUNT_DAYS = 1095
    client.cookies["django_language"] = language
    html = client.get(reverse("privacy")).content.decode()
    assert expected in html
    assert ("3 ans" if language == "fr" else "3 years") in html
    assert "1095" not in html


@pytest.mark.django_db
def test_campaign_page_in_english_even_when_french_filled_the_cache(client):
    """The campaign's figures are cached once for both languages: the waves' labels come from their codes."""
    from django.core.cache import cache

    from impact import selectors as impact_selectors
    from tests.factories.certificates import confirmed_wave

    cache.clear()
    wave = confirmed_wave(1, 10)
    with translation.override("fr"):
        impact_selectors.campaign_stats(wave.campaign)  # a French visitor fills the cache
    client.cookies["django_language"] = "en"
    html = client.get(wave.campaign.get_absolute_url()).content.decode()
    assert "Wave 1" in html and "Confirmed" in html
    for french in ("Vague 1", "Confirmée", "ordinateurs attribués", "remises à partir"):
        assert french not in html, french
    data = client.get(reverse("impact:stats_json", args=[wave.campaign.slug])).json()
    assert data["waves"][0]["label"] == "Wave 1" and data["waves"][0]["status_label"] == "Confirmed"
    cache.clear()
