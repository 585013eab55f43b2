"""The campaign page's map: one shape per district of the vendored file, shaded by the associations equipped
(the impact app's public figures), the same figures in a table, and no query of its own."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.maps import FILLS, campaign_map, city_shapes, level
from tests.factories.associations import AssociationFactory
from tests.factories.campaigns import CampaignFactory
from tests.factories.impact import handed_over_wave

pytestmark = pytest.mark.django_db

MAPS = Path(settings.BASE_DIR) / "static" / "maps"


def set_postal_codes(wave, codes):
    for allocation, code in zip(wave.allocations.order_by("position"), codes, strict=True):
        association = allocation.application.association
        association.postal_code = code
        association.save()


@pytest.fixture
def campaign(db):
    """Marseille: 3 associations equipped in 13003 (10 PCs each), 1 in 13015, 1 in Aix (13100, off the map)."""
    campaign = CampaignFactory(slug="carte", city="Marseille")
    wave = handed_over_wave(5, 10, campaign=campaign, on=datetime.date(2026, 3, 2))
    set_postal_codes(wave, ["13003", "13003", "13003", "13015", "13100"])
    cache.clear()
    return campaign


def svg_of(body: str) -> str:
    """The map's ``<svg`` element, from its attributes to its last shape."""
    return body.split('<section aria-labelledby="carte"', 1)[1].split("<svg", 1)[1].split("</svg>", 1)[0]


def test_vendored_shapes_one_per_district():
    data = json.loads((MAPS / "marseille.geojson").read_text())
    codes = [f["properties"]["postal_code"] for f in data["features"]]
    assert codes == [f"130{n:02d}" for n in range(1, 17)]
    assert [s.postal_code for s in city_shapes("lyon")] == [f"6900{n}" for n in range(1, 10)]
    assert city_shapes("paris") == () and city_shapes("") == ()
    assert "GeoNames" in (MAPS / "README.md").read_text() and "Creative Commons" in (MAPS / "README.md").read_text()


def test_map_on_the_campaign_page(client, campaign):
    body = client.get(campaign.get_absolute_url()).content.decode()
    svg = svg_of(body)
    # Hidden from screen readers: the table beside it holds the same figures.
    assert 'aria-hidden="true"' in svg.split(">", 1)[0]
    assert svg.count("<path ") == 16 and svg.count('class="map-area"') == 16
    areas = dict(re.findall(r'data-postal-code="(\d+)" data-level="(\d)"', svg))
    assert areas["13003"] == "4"  # the most associations
    assert areas["13015"] == "2"  # 1 of 3: a lighter step
    assert {areas[c] for c in areas if c not in ("13003", "13015")} == {"0"}
    assert "13003 (3e arrondissement) : 3 associations équipées, 30 ordinateurs remis</title>" in svg
    assert "13015 (15e arrondissement) : 1 association équipée, 10 ordinateurs remis</title>" in svg
    assert "<title>13001 (1er arrondissement) : 0 " in svg
    # Coordinates are plain numbers, never the French decimal comma.
    assert not re.search(r'[xy]="\d+,\d', svg)
    table = body.split('id="carte-tableau"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-postal-code="(\d+)">', table)
    assert rows == [*(f"130{n:02d}" for n in range(1, 17)), "13100"]
    row_13003 = table.split('<tr data-postal-code="13003">', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r">(\d+)</td>", row_13003) == ["3", "30"]
    assert "hors de la carte" in table.split('<tr data-postal-code="13100">', 1)[1]


def test_shading_follows_the_data(campaign):
    rows = [
        {"postal_code": "13001", "associations_equipped": 8, "handed_over": 160, "people_trained": 0},
        {"postal_code": "13002", "associations_equipped": 2, "handed_over": 40, "people_trained": 0},
        {"postal_code": "13016", "associations_equipped": 5, "handed_over": 90, "people_trained": 0},
    ]
    areas = {a["postal_code"]: a for a in campaign_map("Marseille", rows)["areas"]}
    assert [areas[c]["level"] for c in ("13001", "13016", "13002", "13005")] == [4, 3, 1, 0]
    assert areas["13001"]["fill"] == FILLS[4] and areas["13005"]["fill"] == FILLS[0]
    assert areas["13016"]["handed_over"] == 90
    assert [level(n, 10) for n in (0, 1, 3, 5, 8, 10)] == [0, 1, 2, 2, 4, 4]


def test_no_shapes_no_map(client, db):
    campaign = CampaignFactory(slug="ailleurs", city="Saint-Flour")
    assert campaign_map("Saint-Flour", []) is None
    body = client.get(campaign.get_absolute_url()).content.decode()
    assert 'aria-labelledby="carte"' not in body


def test_english(client, campaign):
    client.cookies["django_language"] = "en"
    svg = svg_of(client.get(campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "13003 (Arrondissement 3): 3 associations equipped, 30 computers handed over</title>" in svg


def test_map_adds_no_query(client, campaign, django_assert_max_num_queries):
    url = campaign.get_absolute_url()
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    AssociationFactory.reset_sequence(7_000_000)
    wave = handed_over_wave(8, 10, campaign=campaign, wave_number=2)
    set_postal_codes(wave, [f"130{n:02d}" for n in range(1, 9)])
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url).content.decode()
    assert svg_of(body).count("<path ") == 16
