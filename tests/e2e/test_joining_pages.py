"""The pages of joining an association and of one's account, in a browser: at phone and desktop widths, without
serious or critical axe violation. Screenshots go to $SHOTS_DIR when it is set (to look at them)."""

import os
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from associations import services
from tests.e2e.menu import switch_language
from tests.factories.accounts import UserFactory
from tests.factories.associations import AssociationFactory, member_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
WIDTHS = (390, 1280)


def _shot(page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{page.viewport_size['width']}.png", full_page=True)


def _login(page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").get_by_role("button").last.click()
    page.wait_for_url(re.compile(r".*/space/.*"))


def test_joining_and_account_pages(page, live_server, axe_check):
    page.set_default_timeout(15000)
    base = live_server.url
    association = AssociationFactory(legal_name="Les Amis du Numérique", rna="W133012345", city="Marseille")
    member = member_of(
        association, email="presidente@amis-numerique.example.org", first_name="Aïcha", last_name="Benali"
    )
    volunteer = UserFactory(email="tresoriere@amis-numerique.example.org", first_name="Lucie", last_name="Roux")
    services.join_request_create(
        association=association,
        by=UserFactory(email="secretaire@amis-numerique.example.org"),
        message="Je tiens le secrétariat depuis 2019 ; Aïcha me connaît.",
    )
    invitation = services.invitation_send(
        association=association, email="animateur@amis-numerique.example.org", by=member
    )
    invitation_path = services.invitation_path(invitation)
    address = EmailAddress.objects.get(user=volunteer)
    confirm_path = f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"  # already confirmed

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # The volunteer types the number of an association already registered: offered to join it.
        _login(page, base, volunteer.email)
        page.goto(f"{base}/space/associations/new/")
        page.locator("input[name=rna]").fill("W133 012345")
        page.locator("main form button[type=submit]").click()
        page.get_by_text("est déjà inscrite sur le portail").wait_for()
        page.locator("#deja-inscrite").scroll_into_view_if_needed()
        axe_check(page, "association form, already registered")
        _shot(page, "association-form-registered")
        page.get_by_role("link", name="Demander à rejoindre cette association").click()
        axe_check(page, "join")
        _shot(page, "join")
        page.goto(f"{base}/space/account/")
        axe_check(page, "account")
        _shot(page, "account")
        page.goto(f"{base}/accounts/email/")
        axe_check(page, "change email")
        _shot(page, "change-email")
        page.goto(f"{base}/space/account/delete/")
        axe_check(page, "account delete")
        _shot(page, "account-delete")
        page.goto(base + confirm_path)
        page.get_by_text("est déjà confirmée").wait_for()
        axe_check(page, "confirm email twice")
        _shot(page, "confirm-email-again")
        # A member: the space's block, then the members page.
        _login(page, base, member.email)
        page.goto(f"{base}/space/")
        axe_check(page, "space")
        _shot(page, "space")
        page.goto(f"{base}/space/associations/{association.pk}/members/")
        axe_check(page, "members")
        _shot(page, "members")
        # The invitation's link, opened by someone not signed in.
        page.context.clear_cookies()
        page.goto(base + invitation_path)
        axe_check(page, "invitation")
        _shot(page, "invitation")

    # The same pages in English.
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, base, member.email)
    switch_language(page, "English", "en")
    for name, path in (("members", f"/space/associations/{association.pk}/members/"), ("account", "/space/account/")):
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == "en"
        axe_check(page, f"{name} (en)")
        _shot(page, f"{name}-en")
