"""Signing in on the site's login page (not the admin's: see tests/e2e/staff.py), and screenshots that fit."""

import os
from pathlib import Path

from tests.e2e.test_phone_layout import overflow_problems

PASSWORD = "motdepasse-solide-42"


def with_verified_email(person, password: str):
    """A person (a donor's contact, a member) who can sign in: a password and a verified primary email."""
    from allauth.account.models import EmailAddress

    person.set_password(password)
    person.save()
    EmailAddress.objects.update_or_create(user=person, email=person.email, defaults={"verified": True, "primary": True})
    return person


def sign_in(page, live_server, email: str, *, password: str = PASSWORD, lands_on: str | None = None) -> None:
    """The login page, filled and sent; ``lands_on``: the path the site must send to then (``/space/``, ``/donor/``)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.locator("main").get_by_role("button", name="Connexion").click()
    if lands_on:
        page.wait_for_url(f"{live_server.url}{lands_on}")


def fits(page, label: str) -> None:
    """No sideways scrolling: the failure names the elements that stick out (tests/e2e/overflow.js)."""
    problems = overflow_problems(page, label)
    assert not problems, "\n".join(problems)


def shots(page, name: str, *, folder_variable: str, prefix: str, widths=(390, 1440)) -> None:
    """When the environment variable ``folder_variable`` names a folder: the page at each width, checked to fit,
    saved as ``<prefix>-<name>-<width>.png``; then back to a phone's width."""
    folder = os.environ.get(folder_variable)
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        fits(page, f"{name} at {width}px")
        page.screenshot(path=f"{folder}/{prefix}-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
