"""stats.json: stable codes, with labels in the request's language beside them; the cache holds no text."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from donations.models import Wave
from inventory.models import Computer
from tests.impact.test_stats import dataset  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _get(client, campaign, language):
    client.cookies["django_language"] = language
    response = client.get(reverse("impact:stats_json", args=[campaign.slug]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response, response.json()


@pytest.mark.parametrize("first", ["fr", "en"])  # whichever language fills the cache, the other gets its own labels
def test_labels_follow_the_request_language_and_the_codes_do_not(client, dataset, first):  # noqa: F811
    campaign, wave, _reports, _by_code = dataset
    cache.clear()
    answers = {}
    for language in (first, "en" if first == "fr" else "fr"):
        answers[language] = _get(client, campaign, language)[1]
    fr, en = answers["fr"], answers["en"]
    assert (fr["language"], en["language"]) == ("fr", "en")

    # Waves: the code is the wave's status, the same in both; the label is the language's.
    assert fr["waves"][0]["status"] == en["waves"][0]["status"] == wave.status
    assert wave.status in Wave.Status.values
    with translation.override("fr"):
        assert fr["waves"][0]["status_label"] == str(Wave.Status(wave.status).label)
        assert fr["waves"][0]["label"] == "Vague 1"
    with translation.override("en"):
        assert en["waves"][0]["status_label"] == str(Wave.Status(wave.status).label)
        assert en["waves"][0]["label"] == "Wave 1"
    assert fr["waves"][0]["status_label"] != en["waves"][0]["status_label"]

    # The funnel: same keys, labels in each language.
    assert [r["key"] for r in fr["funnel"]] == [r["key"] for r in en["funnel"]]
    funnel_fr = {r["key"]: r["label"] for r in fr["funnel"]}
    funnel_en = {r["key"]: r["label"] for r in en["funnel"]}
    assert funnel_fr["handed_over"] == "Remis aux associations"
    assert funnel_en["handed_over"] == "Handed over to associations"

    # Stock: the codes are the keys (unchanged), their labels beside them.
    assert set(fr["stock"]) == set(en["stock"]) == set(Computer.Status.values)
    assert fr["stock"] == en["stock"] and set(fr["stock_labels"]) == set(fr["stock"])
    assert fr["stock_labels"]["handed_over"] != en["stock_labels"]["handed_over"]
    assert fr["impact"] == en["impact"] and set(fr["impact_labels"]) == set(fr["impact"])
    assert fr["impact_labels"]["people_trained"] == "Personnes formées"
    assert en["impact_labels"]["people_trained"] == "People trained"

    # Everything but the labels is the same.
    def without_labels(data):
        return {
            k: v
            for k, v in data.items()
            if k not in ("language", "funnel", "waves", "stock_labels", "impact_labels", "generated_at")
        }

    assert without_labels(fr) == without_labels(en)


def test_the_answer_varies_with_the_language(client, dataset):  # noqa: F811
    response, _data = _get(client, dataset[0], "en")
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_the_cache_holds_codes_not_text(dataset):  # noqa: F811
    from impact import selectors

    campaign = dataset[0]
    with translation.override("en"):
        stats = selectors.campaign_stats(campaign)
    assert "status_label" not in stats["waves"][0] and "label" not in stats["waves"][0]
    assert stats["waves"][0]["status"] in Wave.Status.values
