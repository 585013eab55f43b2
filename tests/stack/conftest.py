"""Journeys against the real stack that scripts/stack-e2e.sh starts (gunicorn, a Celery worker and beat on
PostgreSQL and Redis). Left out of the normal run (``--ignore=tests/stack`` in pyproject.toml); the script
runs ``pytest tests/stack`` with STACK_BASE_URL, STACK_MAIL_DIR and STACK_LOG_DIR set.

The server is another process: the tests go through the browser only, and read what the stack writes
(the emails of the file backend, the logs).
"""

import email
import email.policy
import os
import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

DEMO_PASSWORD = "demo-dons-2026"  # seed_demo's staff accounts
SEPARATOR = b"-" * 79  # Django's file backend writes it after each message


@pytest.fixture(scope="session")
def stack_url() -> str:
    url = os.environ.get("STACK_BASE_URL", "").rstrip("/")
    if not url:
        pytest.skip("STACK_BASE_URL is not set: these tests run through scripts/stack-e2e.sh")
    return url


@pytest.fixture(scope="session")
def base_url(stack_url) -> str:
    """pytest-playwright gives it to every browser context: page.goto("/space/") works."""
    return stack_url


@pytest.fixture(scope="session")
def mail_dir(stack_url) -> Path:
    return Path(os.environ["STACK_MAIL_DIR"])


@pytest.fixture(scope="session")
def log_dir(stack_url) -> Path:
    return Path(os.environ["STACK_LOG_DIR"])


def read_emails(directory: Path) -> list[EmailMessage]:
    """Every message the stack's processes wrote so far (gunicorn and the worker, one file per connection)."""
    messages = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            chunk = chunk.strip()
            if chunk:
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""  # None: a file still being written


def wait_until(check: Callable, *, timeout: float, interval: float = 0.5, what: str):
    """Call ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(interval)


@pytest.fixture
def wait_for_email(mail_dir):
    def _wait(*, to: str, subject: str = "", body: str = "", timeout: float = 30) -> EmailMessage:
        def found():
            for message in read_emails(mail_dir):
                if to in str(message["To"]) and subject in str(message["Subject"]) and body in body_of(message):
                    return message
            return None

        return wait_until(found, timeout=timeout, what=f"an email to {to} ({subject or body})")

    return _wait


def watch_for_errors(page, problems: list[str]) -> None:
    """As the suite's ``page`` fixture: a Content-Security-Policy violation or a JavaScript error fails the test."""

    def on_console(message):
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def open_page(request, browser, browser_context_args):
    """A page in a browser context of its own (one person), watched like ``page``; closed after the test.

    When the test fails, each page's screenshot goes to STACK_ARTIFACTS_DIR (the script keeps it).
    """
    contexts, pages, problems = [], [], []

    def _open():
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        watch_for_errors(page, problems)
        pages.append(page)
        return page

    yield _open
    artifacts = os.environ.get("STACK_ARTIFACTS_DIR")
    if artifacts and request.node.stash.get(CALL_FAILED, False):
        for index, page in enumerate(pages):
            name = re.sub(r"\W+", "-", request.node.name).strip("-")
            try:
                page.screenshot(path=str(Path(artifacts) / f"{name}-{index}.png"), full_page=True)
            except Exception as exc:  # a closed or crashed page: the other screenshots still matter
                print(f"no screenshot of page {index}: {exc}")
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def log_in(page, email_address: str, password: str = DEMO_PASSWORD, *, admin: bool = False) -> None:
    """Sign in through the site's login; staff (``admin``) then give the code of their authenticator app.

    The second factor is enforced on the stack as in production: seed_demo gave the demo staff accounts
    an authenticator with DEMO_TOTP_SECRET, whose current code is computed here with allauth's algorithm.
    """
    page.goto("/admin/" if admin else "/accounts/login/")  # the admin sends to the site's login
    page.get_by_label("Courriel").fill(email_address)
    page.get_by_label("Mot de passe").fill(password)
    page.locator("main").get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if not admin:
        return
    from demo.management.commands.demo_totp_code import current_code

    for _attempt in range(2):
        page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" in url)
        page.locator("input[name=code]").fill(current_code())
        page.locator("main").locator("button[type=submit]").first.click()
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate/" not in page.url:
            break
        # A code is accepted once: the same account signed in less than 30 s ago; wait for the next one.
        time.sleep(30 - time.time() % 30 + 1)
    page.wait_for_url(lambda url: "/admin/" in url and "/accounts/" not in url)


def open_wave_plan(page, wave: str) -> None:
    """From the list of waves, the plan of the wave whose name matches ``wave`` (a campaign manager's page)."""
    page.goto("/admin/donations/wave/")
    page.get_by_role("link", name=re.compile(wave)).first.click()
    page.locator("#content").get_by_role("link", name="Planifier cette vague").first.click()


def confirm_wave(page) -> int:
    """Says yes on the wave's confirmation page; returns the number of associations the success message names."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Oui, confirmer la vague et réserver les ordinateurs").click()
    confirmed = page.locator(".messagelist .success")
    expect(confirmed).to_contain_text("Vague confirmée")
    return int(re.search(r"pour (\d+) association", confirmed.inner_text()).group(1))


def open_desk(page, wave: str) -> None:
    """The print desk of the wave whose name matches ``wave``, signed in as the demo's desk."""
    log_in(page, "desk@demo.test", admin=True)
    page.goto("/admin/certificates/handover/desk/")
    page.get_by_role("link", name=re.compile(wave)).click()
