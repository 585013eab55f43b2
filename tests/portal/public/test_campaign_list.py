"""The public list of campaigns (/campaigns/): grouped by city, each campaign's state in words, its figures (the
impact app's, the same as its page and open data), its donor companies, anonymous unless they agreed."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from campaigns.models import Campaign, CampaignDonor
from impact.selectors import campaign_stats, campaigns_figures
from portal.public import campaign_state
from tests.factories.associations import AssociationFactory, approved_application
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.impact import handed_over_wave

pytestmark = pytest.mark.django_db

URL = "/campaigns/"


def figure(body: str, slug: str, key: str) -> str:
    """The figure ``key`` on the card of the campaign ``slug``."""
    card = body.split(f'id="campagne-{slug}"', 1)[1].split("</article>", 1)[0]
    return re.search(rf'data-figure="{key}">([^<]*)<', card).group(1)


@pytest.fixture
def campaigns(db):
    """Marseille: 2 associations x 10 handed over, one more approved for 25 (granted 20 + 20 + 25); donors Orange
    (named) and a discreet company. Lyon: nothing handed over yet. A draft campaign (never public)."""
    marseille = CampaignFactory(name="Marseille équipe ses associations", slug="marseille", pledged_units=1000)
    CampaignDonor.objects.filter(campaign=marseille).update(pledged_units=700)
    discreet = DonorFactory(name="Discrète SA", public_name_shown=False)
    CampaignDonor.objects.create(campaign=marseille, donor=discreet, pledged_units=300)
    handed_over_wave(2, 10, campaign=marseille, on=datetime.date(2026, 3, 2))
    approved_application(marseille, 25)
    lyon = CampaignFactory(name="Lyon connecte", slug="lyon", city="Lyon", pledged_units=400)
    CampaignFactory(name="Brouillon secret", slug="brouillon", status=Campaign.Status.DRAFT)
    return marseille, lyon


def test_lists_public_campaigns_by_city_with_their_figures(client, campaigns):
    marseille, lyon = campaigns
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Brouillon secret" not in body
    # Grouped by city, in alphabetical order.
    assert body.index(">Lyon</h2>") < body.index(">Marseille</h2>") < body.index("Marseille équipe ses associations")
    assert figure(body, "marseille", "pledged") == "1\u202f000" or figure(body, "marseille", "pledged") in (
        "1 000",
        "1\xa0000",
    )
    granted = marseille.applications.filter(status="approved").values_list("granted_quantity", flat=True)
    assert figure(body, "marseille", "granted") == str(sum(granted))
    assert figure(body, "marseille", "handed_over") == "20"
    assert figure(body, "marseille", "associations_equipped") == "2"
    assert figure(body, "lyon", "handed_over") == "0" and figure(body, "lyon", "associations_equipped") == "0"
    # The next step is on each card: the campaign's page, and applying while applications are open.
    assert reverse("donations:campaign", args=["marseille"]) in body
    assert reverse("associations:application_create", args=["lyon"]) in body


def test_figures_are_the_campaign_pages_figures(campaigns):
    """The list's figures come from the same definitions as each campaign's stats (page, stats.json)."""
    marseille, lyon = campaigns
    listed = campaigns_figures([marseille, lyon])
    for campaign in (marseille, lyon):
        stats = campaign_stats(campaign)
        for key in ("pledged", "granted", "handed_over", "associations_equipped"):
            assert listed[campaign.pk][key] == stats[key], (campaign.slug, key)
    assert listed[marseille.pk]["handed_over"] == 20 and listed[marseille.pk]["granted"] == 10 + 10 + 25


def test_a_company_that_did_not_agree_is_anonymous_everywhere_public(client, campaigns):
    marseille, _lyon = campaigns
    cache.clear()
    pages = [
        client.get(URL),
        client.get(reverse("home")),
        client.get(marseille.get_absolute_url()),
        client.get(reverse("impact:stats_json", args=[marseille.slug])),
        client.get(reverse("impact:stats_csv", args=[marseille.slug])),
    ]
    for response in pages:
        assert response.status_code == 200
        assert "Discrète" not in response.content.decode("utf-8-sig"), response.wsgi_request.path
    listed = pages[0].content.decode()
    assert "Orange : 700 ordinateurs promis" in listed
    assert "Une entreprise : 300 ordinateurs promis" in listed
    donors = pages[3].json()["donors"]
    assert [(d["name"], d["label"], d["pledged"]) for d in donors] == [
        ("Orange", "Orange", 700),
        (None, "Une entreprise", 300),
    ]


def test_a_company_that_agreed_is_named(client, campaigns):
    from campaigns.models import Donor

    Donor.objects.filter(name="Discrète SA").update(public_name_shown=True)
    body = client.get(URL).content.decode()
    assert "Discrète SA : 300 ordinateurs promis" in body and "Une entreprise" not in body


def test_the_model_default_is_anonymous():
    from campaigns.models import Donor

    donor = Donor.objects.create(name="Sans accord")
    assert donor.public_name_shown is False and donor.public_name == "Une entreprise"


def label(body: str, slug: str, key: str) -> str:
    """The words under the figure ``key`` on the card of the campaign ``slug``."""
    card = body.split(f'id="campagne-{slug}"', 1)[1].split("</article>", 1)[0]
    return re.search(rf'data-figure="{key}">[^<]*</span>([^<]*)<', card).group(1)


def test_the_words_under_a_figure_agree_with_it_in_french_and_english(client, campaigns):
    """French puts 0 and 1 in the singular (« 0 ordinateur remis »), English only 1 (« 0 computers »)."""
    body = client.get(URL).content.decode()
    assert label(body, "lyon", "handed_over") == "ordinateur remis"
    assert label(body, "lyon", "associations_equipped") == "association équipée"
    assert label(body, "marseille", "handed_over") == "ordinateurs remis"
    assert label(body, "marseille", "associations_equipped") == "associations équipées"
    assert label(body, "marseille", "pledged") == "ordinateurs promis"
    client.cookies["django_language"] = "en"
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert label(english, "lyon", "handed_over") == "computers handed over"
    assert label(english, "lyon", "associations_equipped") == "associations equipped"
    assert label(english, "marseille", "handed_over") == "computers handed over"


def test_english(client, campaigns):
    client.cookies["django_language"] = "en"
    body = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A company: 300 computers pledged" in body
    assert "computers handed over" in body and "Applications open until" in body


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        ("open", datetime.date(2026, 1, 15), "Candidatures à partir du 1er février 2026"),
        ("open", datetime.date(2026, 2, 1), "Candidatures ouvertes jusqu'au 30 avril 2026"),
        ("open", datetime.date(2026, 5, 1), "Candidatures closes, distribution en cours"),
        ("closed", datetime.date(2026, 3, 1), "Campagne terminée"),
    ],
)
def test_state_in_plain_words(status, today, expected):
    campaign = Campaign(
        status=status, applications_open_on=datetime.date(2026, 2, 1), applications_close_on=datetime.date(2026, 4, 30)
    )
    with translation.override("fr"):
        assert campaign_state(campaign, today) == expected


def test_query_count_does_not_grow_with_campaigns(client, campaigns, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    AssociationFactory.reset_sequence(8_000_000)
    for i in range(4):
        more = CampaignFactory(city=f"Ville {i}", slug=f"ville-{i}")
        CampaignDonor.objects.create(campaign=more, donor=DonorFactory(name=f"Donateur {i}"), pledged_units=5)
        handed_over_wave(2, 10, campaign=more)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert response.content.decode().count('class="card h-100 shadow-sm campaign-card"') == 6


def test_no_campaign_yet(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Aucune campagne n'est publiée pour le moment" in response.content.decode()


def test_names_typed_by_staff_are_text(client, db):
    """A city, a campaign or a company name with HTML in it reads as text on the list (and finds no map file)."""
    campaign = CampaignFactory(name="<b>Gras</b>", slug="html", city="<script>alert(1)</script>../../etc")
    CampaignDonor.objects.create(
        campaign=campaign, donor=DonorFactory(name="<img src=x onerror=alert(1)>"), pledged_units=3
    )
    body = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body and "<b>Gras</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;../../etc" in body
    page = client.get(campaign.get_absolute_url())
    assert page.status_code == 200 and 'aria-labelledby="carte"' not in page.content.decode()
