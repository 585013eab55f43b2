"""Fault rates per lot and per model (issue 17): units handed over, units an association reported faulty (a ticket
not closed without follow-up), the rate; shown to the stock team of the lots' organiser."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from inventory.models import Computer
from support import selectors, services
from tests.factories.accounts import staff_with_role
from tests.factories.campaigns import lyon
from tests.factories.inventory import LotFactory

pytestmark = pytest.mark.django_db


def _report(given, computer, text="Écran noir au démarrage."):
    return services.ticket_report(by=given.member, computer_id=computer.pk, description=text)


def test_rates_per_lot_and_per_model(given):
    a, b, c = given.computers[:3]
    other_lot = LotFactory(reference="LOT-HP")
    Computer.objects.filter(pk__in=[c.pk, *(u.pk for u in given.computers[5:])]).update(
        lot=other_lot, manufacturer="HP", model="EliteDesk 800"
    )
    _report(given, a)
    _report(given, c)
    closed = _report(given, b)
    services.ticket_close(ticket=closed, by=staff_with_role(roles.INVENTORY_OPERATOR), reason="Rien trouvé.")
    rates = selectors.fault_rates(Computer.objects.all())
    per_lot = {row.label: (row.handed_over, row.faulty) for row in rates.per_lot}
    assert per_lot == {a.lot.reference: (4, 1), "LOT-HP": (6, 1)}  # the closed ticket is not a fault
    per_model = {row.label: (row.handed_over, row.faulty, row.percent) for row in rates.per_model}
    assert per_model["HP EliteDesk 800"] == (6, 1, 16.7)
    assert (rates.total.handed_over, rates.total.faulty) == (10, 2)


def test_a_swapped_unit_still_counts_as_handed_over_and_faulty(given):
    from tests.factories.inventory import ready_computers

    unit = given.computers[0]
    ticket = _report(given, unit)
    spare = ready_computers(1)[0]
    services.ticket_replace(ticket=ticket, by=staff_with_role(roles.INVENTORY_OPERATOR), replacement_id=spare.pk)
    rates = selectors.fault_rates(Computer.objects.filter(lot=unit.lot))
    assert rates.total.faulty == 1
    assert rates.total.handed_over >= 10


def test_the_rates_read_in_two_queries_whatever_the_units(given):
    counts = []
    for units in (Computer.objects.filter(pk=given.computers[0].pk), Computer.objects.all()):
        with CaptureQueriesContext(connection) as queries:
            selectors.fault_rates(units)
        counts.append(len(queries))
    assert counts == [2, 2]


def test_the_stock_team_sees_its_organisers_rates_only(client, given):
    _report(given, given.computers[0])
    url = reverse("admin:support_ticket_fault_rates")
    client.force_login(staff_with_role(roles.INVENTORY_OPERATOR, email="stock@marseille.example.org"))
    page = client.get(url).content.decode()
    assert given.computers[0].lot.reference in page and "10,0 %" in page or "10.0 %" in page
    client.force_login(staff_with_role(roles.INVENTORY_OPERATOR, organiser=lyon(), email="stock@lyon.example.org"))
    page = client.get(url).content.decode()
    assert given.computers[0].lot.reference not in page and "Aucun ordinateur remis" in page
    client.force_login(staff_with_role(roles.REVIEWER, email="instruction@marseille.example.org"))
    assert client.get(url).status_code == 403
