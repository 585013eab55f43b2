import datetime
import zoneinfo

import pytest
import time_machine

from tests.factories.support import handed_over

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A fixed day: the tests hold whatever today is. Handed over on 2 March 2027, 6 months: covered to 2 September.
NOW = datetime.datetime(2027, 3, 10, 11, 0, tzinfo=PARIS)
HANDED_OVER_ON = datetime.date(2027, 3, 2)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def given(clock):
    """An association whose 10 units were handed over and signed on HANDED_OVER_ON, and one of its members."""
    return handed_over(10, handed_over_on=HANDED_OVER_ON)
