"""The public offer form (/donate/): phone-first, French and English; bad input gets field errors, saves nothing."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from campaigns.models import DonorOffer
from tests.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()  # the form's rate limit
    yield
    translation.deactivate()
    cache.clear()


@pytest.fixture
def campaign():
    return CampaignFactory(name="Campagne de Marseille", slug="marseille")


def data(campaign, **overrides) -> dict:
    return {
        "campaign": campaign.pk,
        "company_name": "Banque Solidaire",
        "siret": "732 829 320 00074",
        "units": "120",
        "models_description": "Lenovo ThinkCentre M720q",
        "site_address": "10 boulevard de Paris, 13002 Marseille",
        "available_from": "2026-03-02",
        "collection_notes": "",
        "contact_name": "Claire Dupont",
        "contact_email": "claire@banque.example.com",
        "contact_phone": "",
        **overrides,
    }


def test_the_form_speaks_french_and_english(client, campaign):
    page = client.get(reverse("donors:donate") + "?campaign=marseille").content.decode()
    assert "Donner des ordinateurs" in page and "Campagne de Marseille" in page
    client.cookies["django_language"] = "en"
    assert "Give computers" in client.get(reverse("donors:donate")).content.decode()


def test_an_offer_is_sent_and_the_next_step_is_said(client, campaign):
    response = client.post(reverse("donors:donate"), data(campaign))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Merci, votre offre est envoyée" in page and "claire@banque.example.com" in page
    offer = DonorOffer.objects.get()
    assert (offer.units, offer.siret, offer.status) == (120, "73282932000074", "pending")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("units", "12,5", "nombre entier"),
        ("units", "0", "supérieure ou égale à 1"),
        ("siret", "12345678901234", "SIRET n'est pas valide"),
        ("contact_email", "pas-une-adresse", "adresse"),
        ("available_from", "31/02/2026", "date"),
        ("company_name", "A\x00B", "caractère"),
        ("models_description", "x" * 5000, "2000"),
        ("company_name", "", "obligatoire"),
    ],
)
def test_bad_input_gets_a_french_error_on_its_field_and_saves_nothing(client, campaign, field, value, message):
    response = client.post(reverse("donors:donate"), data(campaign, **{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field]), errors
    assert not DonorOffer.objects.exists()


def test_html_typed_in_a_field_is_kept_as_text_and_never_rendered(client, campaign):
    response = client.post(reverse("donors:donate"), data(campaign, company_name="<script>alert(1)</script>"))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert DonorOffer.objects.get().company_name == "<script>alert(1)</script>"


def test_a_closed_or_draft_campaign_cannot_be_chosen(client):
    closed = CampaignFactory(status="closed")
    response = client.post(reverse("donors:donate"), data(closed))
    assert response.status_code == 400 and "campaign" in response.context["form"].errors
    assert "Aucune campagne n'accepte de dons" in response.content.decode()


def test_offers_from_one_address_are_rate_limited(client, campaign, settings):
    settings.DONOR_OFFER_RATE = "2/h"
    for _i in range(2):
        assert client.post(reverse("donors:donate"), data(campaign)).status_code == 200
    assert client.post(reverse("donors:donate"), data(campaign)).status_code == 429
    assert DonorOffer.objects.count() == 2
