"""Correcting a sent report, in a browser: the association asks, staff reopen in the admin, the association resends.

Screenshots go to $SHOTS_DIR when it is set, at 390 and 1280 pixels wide.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts import roles
from impact.models import ImpactReport
from tests.clients import Client
from tests.e2e.conftest import assert_accessible as axe_check
from tests.factories.accounts import staff_with_role
from tests.factories.associations import member_of
from tests.factories.impact import handed_over_wave, impact_reports_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _sign_in(page, live_server, user) -> None:
    """The session of ``user`` (with the staff's second factor) in the browser."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_ask_reopen_resend(page, live_server):
    from impact import services
    from tests.impact.conftest import GOOD

    page.set_default_timeout(15000)
    wave = handed_over_wave(2, 10, on=datetime.date(2026, 1, 10))
    report = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
    services.impact_report_save(report=report, by=None, submit=True, **GOOD)
    member = member_of(report.association, email="bilan-reopen@asso.example.org")
    reviewer = staff_with_role(roles.REVIEWER, email="instr-e2e@example.org")

    _sign_in(page, live_server, member)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}{report.get_absolute_url()}")
        expect(page.get_by_role("heading", name="Une erreur dans ce bilan ?")).to_be_visible()
        axe_check(page, f"sent report with the request form ({width})")
        _shot(page, f"report-reopen-form-{width}")
    page.get_by_role("button", name="Demander une correction").click()
    expect(page.locator("#id_reason_error")).to_contain_text("Dites ce que vous voulez corriger")
    axe_check(page, "request without a reason")
    page.get_by_label("Ce que vous voulez corriger").fill("Nous avons oublié les ateliers de mars.")
    page.get_by_role("button", name="Demander une correction").click()
    expect(page.get_by_role("heading", name="Correction demandée")).to_be_visible()
    _shot(page, "report-reopen-requested-1280")

    _sign_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/admin/impact/impactreport/{report.pk}/change/")
    page.get_by_role("link", name="Répondre à la demande de correction").click()
    expect(page.get_by_text("Nous avons oublié les ateliers de mars.")).to_be_visible()
    _shot(page, "admin-reopen-1280")
    page.get_by_role("button", name="Rouvrir le bilan").click()
    expect(page.get_by_text("Le bilan est rouvert")).to_be_visible()

    _sign_in(page, live_server, member)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Votre demande de correction est acceptée")).to_be_visible()
    axe_check(page, "reopened report")
    _shot(page, "report-reopened-390")
    page.get_by_label("Ateliers tenus").fill("13")
    page.get_by_label("Heures d'atelier (total)").fill("20")
    page.get_by_role("button", name="Envoyer le bilan").click()
    expect(page.get_by_text("Votre bilan est envoyé")).to_be_visible()
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.SUBMITTED and report.workshops_held == 13
