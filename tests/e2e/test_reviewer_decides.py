"""A reviewer decides 10 applications in a real browser (Debian's chromium), MFA login included: the page loads
are counted, so that the review stays quick (the to-do list, the list opening on pending applications, the
one-click approval on the application's page and the next application opening after each decision)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import user_add_totp
from associations.models import Application
from tests.e2e.staff import TOTP_SECRET, sign_in_to_the_admin
from tests.factories.accounts import reviewer
from tests.factories.associations import ApplicationFactory, AssociationFactory
from tests.factories.campaigns import CampaignFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DECISIONS = 10
MAX_PAGE_LOADS = 25


def test_deciding_ten_applications_takes_at_most_25_page_loads(page, live_server):
    campaign = CampaignFactory(name="1000 ordinateurs pour Marseille", slug="marseille")
    now = timezone.now()
    applications = [
        ApplicationFactory(
            campaign=campaign,
            association=AssociationFactory(legal_name=f"Association {i:02d}"),
            submitted_at=now - datetime.timedelta(days=30 - i),  # Association 00 waits the longest
            statutes="",
            activity_report="",
        )
        for i in range(DECISIONS)
    ]
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=TOTP_SECRET)
    loads = []
    page.on("load", lambda p: loads.append(p.url))
    page.set_default_timeout(15000)

    sign_in_to_the_admin(page, live_server, staff)

    # The home says what waits, oldest first; its link opens the list of pending applications.
    todo = page.locator("#todo-review")
    expect(todo).to_contain_text("Candidatures à examiner")
    expect(todo).to_contain_text("attend depuis 30 jours")
    todo.get_by_role("link", name=re.compile("Candidatures à examiner")).click()
    expect(page.locator("#result_list")).to_contain_text("Association 09")
    page.locator("#result_list").get_by_role("link", name="Association 00").click()

    # Each decision: the quantity is pre-filled, one click, and the next application opens.
    for i in range(DECISIONS):
        expect(page.locator("#content")).to_contain_text(f"Association {i:02d}")
        form = page.locator("form.quick-approve")
        if not form.count():
            page.screenshot(path="/tmp/shots-reviewer/e2e-failure.png", full_page=True)
            raise AssertionError((i, page.url, loads))
        form.get_by_role("button", name="Accepter").click()
        page.wait_for_load_state("load")
    expect(page.locator(".messagelist")).to_contain_text("Plus aucune candidature n'attend dans cette liste.")

    decided = Application.objects.filter(pk__in=[a.pk for a in applications], status=Application.Status.APPROVED)
    assert decided.count() == DECISIONS
    print(f"page loads to decide {DECISIONS} applications: {len(loads)}")  # read with pytest -s
    assert len(loads) <= MAX_PAGE_LOADS, loads
