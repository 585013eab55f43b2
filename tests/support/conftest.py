import datetime
import zoneinfo

from tests.factories.support import clock_and_handover

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A fixed day: the tests hold whatever today is. Handed over on 2 March 2027, 6 months: covered to 2 September.
NOW = datetime.datetime(2027, 3, 10, 11, 0, tzinfo=PARIS)
HANDED_OVER_ON = datetime.date(2027, 3, 2)
clock, given = clock_and_handover(NOW, HANDED_OVER_ON)
