"""The public pages: home, campaign visibility, privacy and accessibility, the language switch."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_lists_open_campaigns_in_french(client, campaign):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in page  # French first, whatever the browser says
    assert campaign.name in page and "de 10 à 30" in page
    assert "1\u00a0000" in page or "1 000" in page


def test_english_switch(client, campaign):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()


def test_draft_campaigns_are_not_public(client):
    from tests.factories.campaigns import CampaignFactory

    hidden = CampaignFactory(status="draft", name="Campagne secrète")
    assert "Campagne secrète" not in client.get("/").content.decode()
    assert client.get(f"/campaigns/{hidden.slug}/").status_code == 404


@pytest.mark.parametrize("path", ["/", "/privacy/", "/accessibility/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_answer(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#contenu"' in page and '<main id="contenu"' in page  # skip link and landmark
    # Every asset is served from our own static files (a CSRF token may well contain the letters « cdn »).
    assets = re.findall(r"<(?:script|link|img|source)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"", page)
    assert assets, "the page loads no asset: the check below would be empty"
    assert [url for url in assets if url.startswith(("http:", "https:", "//"))] == []


def test_the_language_switch_is_remembered_for_emails(client, member):
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "en", "next": "/space/"})
    member.refresh_from_db()
    assert member.language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    member.refresh_from_db()
    assert member.language == "en"
