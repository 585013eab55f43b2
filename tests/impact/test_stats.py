"""The public statistics against a known dataset, the open data endpoints, the cache and the query count."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from impact import selectors, services
from impact.models import ImpactReport
from tests.factories.associations import AssociationFactory, approved_application
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.impact import handed_over_wave, impact_reports_for
from tests.factories.inventory import LotFactory, ready_computers
from tests.impact.conftest import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(db):
    """Campaign of 1000 pledged by two donors; wave 1: 3 associations x 10 units handed over (Orange stock);
    4 extra ready Orange units, 5 ready SFR units; 2 reports sent (70 + 30 people), 1 returned, the rest draft."""
    from campaigns.models import CampaignDonor

    campaign = CampaignFactory(slug="stats", pledged_units=1000)
    CampaignDonor.objects.filter(campaign=campaign).update(pledged_units=800)
    sfr = DonorFactory(name="SFR")
    CampaignDonor.objects.create(campaign=campaign, donor=sfr, pledged_units=200)
    wave = handed_over_wave(3, 10, campaign=campaign, on=datetime.date(2026, 1, 10))
    postal = ["13001", "13001", "13003"]
    for allocation, code in zip(wave.allocations.order_by("position"), postal, strict=True):
        association = allocation.application.association
        association.postal_code = code
        association.save()
    ready_computers(4, lot=LotFactory(donor=DonorFactory(name="Orange")))
    ready_computers(5, lot=LotFactory(donor=sfr, reference="SFR-1"))
    approved_application(campaign, 20)  # approved, not allocated yet
    reports = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    by_code = {r.association.postal_code: r for r in reports}
    staff = None
    services.impact_report_save(report=reports[0], by=staff, submit=True, **GOOD)
    services.impact_report_save(
        report=reports[1],
        by=staff,
        submit=True,
        **{
            **GOOD,
            "people_trained": 30,
            "age_60_74": 5,
            "age_75_plus": 2,
            "age_under_26": 0,
            "age_26_59": 0,
            "gender_women": 0,
            "gender_men": 0,
            "gender_other": 0,
            "situation_seniors": 7,
            "situation_job_seekers": 3,
            "situation_young_out_of_school": 0,
            "workshops_held": 4,
            "workshop_hours": 6,
        },
    )
    services.impact_report_save(report=reports[2], by=staff, submit=True, **{**GOOD, "people_trained": 500})
    from tests.factories.accounts import staff_with_role

    services.impact_report_return(report=reports[2], by=staff_with_role("Instruction des candidatures"), message="?")
    return campaign, wave, reports, by_code


def test_stats_against_a_known_dataset(dataset):
    campaign, wave, reports, _by_code = dataset
    stats = selectors.compute_campaign_stats(campaign)
    assert stats["pledged"] == 1000
    assert stats["received"] == 30 + 4 + 5
    assert stats["ready"] == 9
    assert stats["handed_over"] == 30
    assert stats["associations_equipped"] == 3
    assert stats["approved_associations"] == 4
    assert stats["stock"]["handed_over"] == 30 and stats["stock"]["ready"] == 9
    assert [w["handed_over"] for w in stats["waves"]] == [30]
    assert stats["waves"][0]["associations_equipped"] == 3
    # The returned report does not count.
    impact = stats["impact"]
    assert impact["people_trained"] == 100
    assert impact["workshops_held"] == 14
    assert impact["workshop_hours"] == 21.0
    assert impact["age_60_plus"] == 30 + 7 and impact["age_75_plus"] == 12
    assert impact["job_seekers"] == 23
    assert impact["reports"] == 2
    codes = {p["postal_code"]: p for p in stats["postal_codes"]}
    assert codes["13001"]["associations_equipped"] == 2 and codes["13001"]["handed_over"] == 20
    assert codes["13003"]["associations_equipped"] == 1 and codes["13003"]["handed_over"] == 10
    assert sum(p["people_trained"] for p in stats["postal_codes"]) == 100
    donors = {d["name"]: d for d in stats["donors"]}
    assert donors["Orange"] == {"name": "Orange", "pledged": 800, "received": 34, "ready": 4, "handed_over": 30}
    assert donors["SFR"] == {"name": "SFR", "pledged": 200, "received": 5, "ready": 5, "handed_over": 0}


def test_open_data_json_and_csv(client, dataset):
    campaign = dataset[0]
    response = client.get(reverse("impact:stats_json", args=[campaign.slug]))
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["handed_over"] == 30 and data["impact"]["people_trained"] == 100
    response = client.get(reverse("impact:stats_csv", args=[campaign.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # the byte order mark: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = {(r["section"], r["key"], r["group"]): r["value"] for r in rows}
    assert values[("campaign", "handed_over", "")] == "30"
    assert values[("impact", "people_trained", "")] == "100"
    assert values[("postal_code", "handed_over", "13001")] == "20"
    assert values[("donor", "received", "SFR")] == "5"
    assert values[("wave", "associations_equipped", "1")] == "3"


def test_unknown_or_draft_campaign_is_404(client, db):
    draft = CampaignFactory(slug="brouillon", status="draft")
    for name in ("impact:stats_json", "impact:stats_csv", "impact:progress"):
        assert client.get(reverse(name, args=["inconnue"])).status_code == 404
        assert client.get(reverse(name, args=[draft.slug])).status_code == 404


def test_cache_is_used_and_invalidated_when_a_report_changes(
    dataset, django_assert_num_queries, django_capture_on_commit_callbacks
):
    campaign, _wave, reports, _ = dataset
    first = selectors.campaign_stats(campaign)
    with django_assert_num_queries(0):
        assert selectors.campaign_stats(campaign) == first
    report = ImpactReport.objects.get(pk=reports[2].pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.impact_report_save(report=report, by=None, submit=True, **{**GOOD, "people_trained": 80})
    assert selectors.campaign_stats(campaign)["impact"]["people_trained"] == 180


def test_progress_page_shows_the_figures_in_tables(client, dataset):
    campaign = dataset[0]
    response = client.get(reverse("impact:progress", args=[campaign.slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<caption" in body and "<svg" in body and 'aria-hidden="true"' in body
    assert "<script" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    assert "13001" in body and "Personnes formées" in body and "SFR" in body


def _grow(campaign, n_associations: int):
    """More associations, units and reports in the same campaign."""
    wave = handed_over_wave(n_associations, 10, campaign=campaign, wave_number=2, on=datetime.date(2026, 1, 12))
    for i, allocation in enumerate(wave.allocations.select_related("application__association")):
        association = allocation.application.association
        association.postal_code = f"130{i % 16 + 1:02d}"
        association.save()
    impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    for report in ImpactReport.objects.filter(campaign=campaign, status="draft"):
        services.impact_report_save(report=report, by=None, submit=True, **GOOD)


def test_public_page_query_count_does_not_grow(client, dataset, django_assert_max_num_queries):
    from django.core.cache import cache

    campaign = dataset[0]
    url = reverse("impact:progress", args=[campaign.slug])
    cache.clear()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    # Far past the numbers this process has used so far (a fixed 500 collided with the dataset's associations
    # once earlier tests had created more than 500).
    AssociationFactory.reset_sequence(9_000_000)
    _grow(campaign, 12)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    # Cached: the second view costs only the campaign lookup.
    with django_assert_max_num_queries(3):
        client.get(url)


def test_open_data_csv_neutralises_formulas_in_names(client, dataset):
    from campaigns.models import Donor

    Donor.objects.filter(name="SFR").update(name='=HYPERLINK("https://evil.example","SFR")')
    campaign = dataset[0]
    response = client.get(reverse("impact:stats_csv", args=[campaign.slug]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    groups = {r["group"] for r in rows if r["section"] == "donor"}
    assert '\'=HYPERLINK("https://evil.example","SFR")' in groups
    assert not [r for r in rows for v in r.values() if v and v[0] in "=+@\t\r"]


def test_open_data_csv_for_french_excel(client, dataset):
    """The variant linked beside the CSV: semicolons between columns, decimal commas, same figures, same BOM."""
    campaign = dataset[0]
    hours = client.get(reverse("impact:stats_json", args=[campaign.slug])).json()["impact"]["workshop_hours"]
    assert isinstance(hours, float)  # the figure with decimals the variant must write the French way
    response = client.get(reverse("impact:stats_csv", args=[campaign.slug]), {"format": "excel"})
    assert response.status_code == 200
    assert f'filename="{campaign.slug}-stats-excel.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    values = {(r["section"], r["key"], r["group"]): r["value"] for r in rows}
    assert values[("campaign", "handed_over", "")] == "30"
    assert values[("donor", "received", "SFR")] == "5"
    assert values[("impact", "workshop_hours", "")] == str(hours).replace(".", ",")
    plain = client.get(reverse("impact:stats_csv", args=[campaign.slug])).content.decode("utf-8-sig")
    assert f"impact,workshop_hours,,{hours}" in plain
    page = client.get(reverse("impact:progress", args=[campaign.slug])).content.decode()
    assert reverse("impact:stats_csv", args=[campaign.slug]) + "?format=excel" in page
