import datetime

import pytest
from django.core.cache import cache

from tests.factories.impact import handed_over_wave, impact_reports_for

# A fixed calendar: handovers on 10 January 2026, calendar quarters from 1 January 2026, due 15 days after.
HANDOVER_DAY = datetime.date(2026, 1, 10)
Q1_DUE = datetime.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wave(db):
    return handed_over_wave(2, 10, on=HANDOVER_DAY)


@pytest.fixture
def reports(wave):
    """Q1 2026 reports of the wave's two associations (scheduled as of 1 February 2026)."""
    return impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))


@pytest.fixture
def report(reports):
    return reports[0]


@pytest.fixture
def association_member(report):
    from tests.factories.associations import member_of

    return member_of(report.association, email="membre-impact@example.org")


GOOD = {
    "workshops_held": 10,
    "workshop_hours": 15,
    "people_trained": 70,
    "age_under_26": 10,
    "age_26_59": 30,
    "age_60_74": 20,
    "age_75_plus": 10,
    "gender_women": 40,
    "gender_men": 28,
    "gender_other": 2,
    "situation_job_seekers": 20,
    "situation_seniors": 30,
    "situation_young_out_of_school": 5,
    "machines_in_use": 8,
    "machines_out_of_order": 1,
    "machines_lent": 1,
    "comment": "Ateliers le mardi.",
}
