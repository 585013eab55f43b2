"""The public list of campaigns and a campaign's map in a browser, at 390, 768, 1024 and 1440 px: nothing sticks
out sideways, no serious accessibility violation, the next step is on screen; screenshots for the README."""

import datetime
import os
import pathlib

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignDonor
from tests.e2e.test_phone_layout import OVERFLOW_JS
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.impact import handed_over_wave

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTHS = (390, 768, 1024, 1440)
# SCREENSHOTS=docs keeps the pictures (docs/public-*.png); else they go to a temporary folder and are only looked at.
SHOTS = os.environ.get("SCREENSHOTS", "")


def overflow_problems(page, label: str) -> list[str]:
    """What sticks out of the window, header included (its menu folds under 992 px)."""
    found = page.evaluate(OVERFLOW_JS)
    wider = found["scrollWidth"] > found["innerWidth"]
    culprits = [c for c in found["culprits"] if wider]
    return [f"{label}: {c}" for c in culprits + found["hiddenCells"]]


@pytest.fixture
def public_site(db):
    marseille = CampaignFactory(
        name="1000 ordinateurs pour les associations marseillaises", slug="marseille-2026", city="Marseille"
    )
    CampaignDonor.objects.filter(campaign=marseille).update(pledged_units=800)
    CampaignDonor.objects.create(
        campaign=marseille, donor=DonorFactory(name="Discrète SA", public_name_shown=False), pledged_units=200
    )
    wave = handed_over_wave(5, 12, campaign=marseille, on=datetime.date(2026, 3, 2))
    codes = ["13003", "13003", "13003", "13015", "13100"]
    for allocation, code in zip(wave.allocations.order_by("position"), codes, strict=True):
        association = allocation.application.association
        association.postal_code = code
        association.save()
    CampaignFactory(name="Lyon connecte ses associations de quartier", slug="lyon-2027", city="Lyon", pledged_units=400)
    return marseille


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_fit_and_lead_on(live_server, page, public_site, axe_check, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    folder = pathlib.Path(SHOTS) if SHOTS else tmp_path
    problems = []

    page.goto(f"{live_server.url}/campaigns/")
    expect(page.get_by_role("heading", name="Marseille", exact=True)).to_be_visible()
    expect(page.get_by_text("Une entreprise : 200 ordinateurs promis")).to_be_visible()
    expect(page.get_by_role("link", name="Voir la campagne et la carte").first).to_be_visible()
    assert "Discrète" not in page.content()
    problems += overflow_problems(page, f"/campaigns/ at {width}px")
    axe_check(page, f"/campaigns/ at {width}px")
    page.screenshot(path=str(folder / f"public-campaigns-{width}.png"), full_page=True)

    card = page.get_by_role("article", name="1000 ordinateurs pour les associations marseillaises")
    card.get_by_role("link", name="Voir la campagne et la carte").click()
    svg = page.locator("section.area-map svg")
    expect(svg).to_be_visible()
    assert svg.locator("path").count() == 16
    box = svg.bounding_box()
    assert box["width"] > 200 and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    expect(page.locator("#carte-tableau")).to_be_visible()
    problems += overflow_problems(page, f"campaign page at {width}px")
    axe_check(page, f"campaign page at {width}px")
    page.locator("section.area-map").screenshot(path=str(folder / f"public-map-{width}.png"))
    assert not problems, "\n".join(problems)
