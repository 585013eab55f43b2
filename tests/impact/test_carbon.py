"""The CO2e avoided (impact/carbon.py): once per unit handed over, per form factor, always with its source."""

import pytest
from django.urls import reverse

from impact.carbon import FACTORS, co2e_avoided
from inventory.models import Computer

pytestmark = pytest.mark.django_db


def test_every_form_factor_of_the_stock_has_a_setting():
    assert set(FACTORS) == set(Computer.FormFactor.values)
    desktop = FACTORS[Computer.FormFactor.DESKTOP]
    assert (desktop.kg, desktop.low_kg, desktop.high_kg) == (169, 185, 413)
    assert "ADEME" in str(desktop.source) and "Boavizta" in str(desktop.range_source) and desktop.read_on


def test_only_handed_over_units_count_once_each():
    from tests.factories.inventory import ComputerFactory

    for status in ("received", "ready", "reserved", "scrapped", "handed_over", "handed_over"):
        ComputerFactory(status=status)
    ComputerFactory(status="handed_over", form_factor="laptop")
    estimate = co2e_avoided(Computer.objects.all())
    assert (estimate.units, estimate.kg, estimate.not_counted) == (2, 338, 1)
    assert (estimate.low_kg, estimate.high_kg) == (370, 826)


def test_counts_or_form_factors_give_the_same_estimate():
    assert co2e_avoided({"desktop": 3}).kg == co2e_avoided(["desktop"] * 3).kg == 3 * 169
    assert co2e_avoided({}).kg == 0 and co2e_avoided({}).factors == [FACTORS["desktop"]]


def test_the_open_data_and_the_campaign_page_give_the_estimate_with_its_source(client, wave):
    stats = client.get(reverse("impact:stats_json", args=[wave.campaign.slug])).json()
    co2e = stats["co2e"]
    assert co2e["estimate"] is True and co2e["units_counted"] == 20 and co2e["kg_co2e"] == 20 * 169
    assert co2e["sources"][0]["source"].startswith("ADEME") and co2e["sources"][0]["read_on"]
    page = client.get(wave.campaign.get_absolute_url()).content.decode()
    assert "Estimation : environ <strong>3\xa0380 kg CO2e</strong>" in page and "ADEME" in page
    csv = client.get(reverse("impact:stats_csv", args=[wave.campaign.slug])).content.decode()
    assert "co2e_estimate" in csv
