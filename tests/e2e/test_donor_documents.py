"""A donor's person asks for the traceability report of a lot and downloads it, in a real browser, on a phone
(390 px) and a wide screen (1440 px). Nothing wider than the screen; no serious accessibility violation.

``DONOR_SHOTS=dir pytest tests/e2e/test_donor_documents.py`` also saves screenshots of the documents page.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_donor_space import _no_overflow, signed_in_donor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_donor_asks_for_its_traceability_report_and_downloads_it(page, live_server, axe_check):
    from impact.models import DonorDocument

    world = signed_in_donor(page, live_server, timeout=30000)
    page.get_by_role("link", name="Vos documents : rapports de traçabilité").click()
    expect(page.get_by_role("heading", name="Rapport de traçabilité")).to_be_visible()
    expect(page.get_by_text("Aucun document demandé pour le moment.")).to_be_visible()
    page.get_by_role("button", name="Demander le rapport du lot ORANGE-ATELIER").click()
    expect(page.get_by_text("Document demandé")).to_be_visible()
    # No worker here: tasks run in the request, right after its commit.
    page.reload()
    download = page.get_by_role("link", name="Télécharger (PDF")
    expect(download).to_be_visible()
    response = page.request.get(live_server.url + download.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert DonorDocument.objects.get().requested_by == world.person
    shots = os.environ.get("DONOR_SHOTS")
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/donor/documents/")
        _no_overflow(page, f"donor documents {width}px", width)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/donor-documents-{width}.png", full_page=True)
    axe_check(page, "donor documents")
