import datetime

import pytest
from django.utils import timezone

from accounts import roles
from donations import services
from tests.factories.accounts import staff_with_role
from tests.factories.associations import approved_application
from tests.factories.campaigns import CampaignFactory
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_units

T0 = datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def manager(db):
    return staff_with_role(roles.CAMPAIGN_MANAGER, email="manager@example.org")


@pytest.fixture
def marseille(db):
    return CampaignFactory(name="Marseille", slug="marseille-test", pledged_units=1000)


@pytest.fixture
def applications(marseille):
    """Five approved applications: grants 30, 25, 20, 15, 10 in that order of approval."""
    return [
        approved_application(marseille, granted, approved_at=T0 + datetime.timedelta(hours=i))
        for i, granted in enumerate([30, 25, 20, 15, 10])
    ]


@pytest.fixture
def wave(marseille):
    return WaveFactory(campaign=marseille, number=1, capacity=100)


@pytest.fixture
def planned(wave, applications, manager):
    """The wave's plan proposed, with 150 ready units in stock."""
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    return wave


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
