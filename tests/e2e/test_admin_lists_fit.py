"""Admin lists on the desk's tablet and a small laptop: the « Action » menu (long French labels) stays inside the
page instead of running under the filters or widening it."""

import pytest
from playwright.sync_api import expect

from accounts import roles
from tests.e2e.staff import sign_in_to_the_admin, with_password_and_totp
from tests.factories.accounts import staff_with_role
from tests.factories.associations import approved_application
from tests.factories.campaigns import CampaignFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [768, 1024])
def test_the_action_menu_of_a_list_stays_beside_its_filters(page, live_server, width):
    campaign = CampaignFactory()
    approved_application(campaign, 12)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_to_the_admin(page, live_server, with_password_and_totp(staff_with_role(roles.REVIEWER)))
    page.goto(f"{live_server.url}/admin/associations/application/")
    menu = page.locator("#changelist-form .actions select")
    expect(menu).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    menu_box, form_box = menu.bounding_box(), page.locator("#changelist-form").bounding_box()
    assert menu_box["x"] + menu_box["width"] <= form_box["x"] + form_box["width"], "the menu runs under the filters"
