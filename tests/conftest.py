import os

import pytest

# Browser tests drive Debian's chromium from the live server's thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing; in CI the same condition fails the test."""
    if condition:
        return
    if IN_CI or os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(db):
    from tests.factories import CampaignFactory

    return CampaignFactory(name="Des ordinateurs pour les associations marseillaises", slug="marseille")


@pytest.fixture
def member(db):
    from tests.factories import AssociationFactory, member_of

    association = AssociationFactory(legal_name="Les Amis du Numérique")
    return member_of(association, email="membre@asso-a.example.org")


@pytest.fixture
def other_member(db):
    from tests.factories import AssociationFactory, member_of

    association = AssociationFactory(legal_name="Quartiers Connectés")
    return member_of(association, email="membre@asso-b.example.org")
