"""Public endpoints: campaigns and their figures, no token; the figures are stats.json's, to the byte."""

import datetime

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from tests.factories.api import donor_token
from tests.factories.campaigns import CampaignFactory
from tests.factories.inventory import ComputerFactory, LotFactory

pytestmark = pytest.mark.django_db

FIXED = datetime.date(2026, 3, 2)


def _campaign(n: int, **kwargs) -> Campaign:
    return CampaignFactory(
        name=f"Campagne publique {n}",
        slug=f"publique-{n}",
        applications_open_on=FIXED - datetime.timedelta(days=n),
        applications_close_on=FIXED + datetime.timedelta(days=60),
        **kwargs,
    )


def test_campaigns_list_public_ones_with_dates_and_figures(client):
    shown = _campaign(1, city="Lyon", pledged_units=300)
    _campaign(2, status=Campaign.Status.DRAFT)
    response = client.get(reverse("api:campaigns"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["slug"] == shown.slug and row["city"] == "Lyon" and row["status"] == "open"
    assert row["status_label"] == "Ouverte"
    assert row["pledged_units"] == 300
    assert row["applications_open_on"] == "2026-03-01"
    assert row["url"].endswith(shown.get_absolute_url())


def test_draft_campaign_is_not_found(client):
    draft = _campaign(1, status=Campaign.Status.DRAFT)
    assert client.get(reverse("api:campaign", args=[draft.slug])).status_code == 404
    assert client.get(reverse("api:campaign_figures", args=[draft.slug])).status_code == 404
    response = client.get(reverse("api:campaign", args=["nope"]))
    assert response.status_code == 404 and "detail" in response.json()


def test_figures_are_exactly_stats_json(client):
    campaign = _campaign(1)
    lot = LotFactory(donor=campaign.donors.get())
    for status in ("received", "ready", "ready", "scrapped"):
        ComputerFactory(lot=lot, status=status)
    stats = client.get(reverse("impact:stats_json", args=[campaign.slug])).json()
    figures = client.get(reverse("api:campaign_figures", args=[campaign.slug])).json()
    detail = client.get(reverse("api:campaign", args=[campaign.slug])).json()
    assert figures == stats
    assert detail["figures"] == stats
    assert [d["received"] for d in stats["donors"]] == [4]  # not an empty answer


def test_list_is_paginated(client):
    for n in range(1, 4):
        _campaign(n)
    first = client.get(reverse("api:campaigns"), {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert [r["slug"] for r in second["results"]] == ["publique-3"]
    assert client.get(reverse("api:campaigns"), {"page": 9}).status_code == 404


def test_campaign_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _campaign(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("api:campaigns")).status_code == 200
    for n in range(2, 30):
        _campaign(n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("api:campaigns")).json()
    assert body["count"] == 29


def test_public_endpoint_with_a_bad_token_is_refused(client):
    response = client.get(reverse("api:campaigns"), HTTP_AUTHORIZATION="Bearer dpc_00000000_nope")
    assert response.status_code == 401
    assert response.json()["detail"] == "Jeton inconnu ou révoqué."
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_public_endpoint_with_a_valid_token_answers(client):
    issued = donor_token()
    _campaign(1)
    assert client.get(reverse("api:campaigns"), **issued.headers).json()["count"] == 1


def test_root_lists_the_entry_points(client):
    body = client.get(reverse("api:root")).json()
    assert body["docs"].endswith("/api/docs/") and body["schema"].endswith("/api/schema/")
