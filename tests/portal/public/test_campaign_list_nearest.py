"""The public list of campaigns (/campaigns/) for a member of an association: nearest first, as in the
association space (campaigns.selectors.nearest_first); anonymous visitors and people without an association keep
the alphabetical order of the cities. Constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from associations.models import Membership
from tests.factories.accounts import UserFactory
from tests.factories.associations import AssociationFactory, member_of
from tests.factories.campaigns import OrganiserFactory, campaign_opened, campaigns_in_four_cities

pytestmark = pytest.mark.django_db

URL = "/campaigns/"
ALPHABETICAL = ["Aix-en-Provence", "Lyon", "Marseille", "Villeurbanne"]


@pytest.fixture
def campaigns():
    return campaigns_in_four_cities()


def _cities(client) -> list[str]:
    response = client.get(URL)
    assert response.status_code == 200
    cities = [group.title for group in response.context["groups"]]
    body = response.content.decode()
    headings = [body.index(f">{city}</h2>") for city in cities]
    assert headings == sorted(headings)  # the page shows them in that order
    return cities


def test_anonymous_visitors_keep_the_alphabetical_order(client, campaigns):
    assert _cities(client) == ALPHABETICAL


def test_a_person_without_association_keeps_the_alphabetical_order(client, campaigns):
    client.force_login(UserFactory())
    assert _cities(client) == ALPHABETICAL


def test_a_marseille_member_sees_marseille_then_its_departement_then_the_others(client, campaigns):
    client.force_login(member_of(AssociationFactory(city="Marseille", postal_code="13001")))
    assert _cities(client) == ["Marseille", "Aix-en-Provence", "Lyon", "Villeurbanne"]


def test_a_villeurbanne_member_sees_villeurbanne_then_lyon(client, campaigns):
    client.force_login(member_of(AssociationFactory(city="VILLEURBANNE", postal_code="69100")))
    assert _cities(client) == ["Villeurbanne", "Lyon", "Aix-en-Provence", "Marseille"]


def test_a_member_of_two_associations_sees_both_cities_first(client, campaigns):
    member = member_of(AssociationFactory(city="Marseille", postal_code="13001"))
    Membership.objects.create(user=member, association=AssociationFactory(city="Lyon", postal_code="69003"))
    client.force_login(member)
    assert _cities(client) == ["Lyon", "Marseille", "Aix-en-Provence", "Villeurbanne"]


def test_in_a_city_the_nearest_campaign_comes_first(client, campaigns):
    """Two campaigns in Lyon: the one whose organiser covers the member's postal code comes first, although the
    other one opened later (first in the anonymous order)."""
    other = OrganiserFactory(name="Lyon 7e", city="Lyon", postal_codes="69007")
    campaign_opened("Lyon 7e 2027", other, "Lyon", 10)
    rows = lambda response: [r.campaign.name for g in response.context["groups"] for r in g.rows]  # noqa: E731
    assert rows(client.get(URL))[:3] == ["Aix 2027", "Lyon 2027", "Lyon 7e 2027"]
    client.force_login(member_of(AssociationFactory(city="Lyon 7e", postal_code="69007")))
    assert rows(client.get(URL))[:2] == ["Lyon 7e 2027", "Lyon 2027"]


def test_the_order_costs_no_query_per_campaign(client, campaigns):
    client.force_login(member_of(AssociationFactory(city="Marseille", postal_code="13001")))
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(5):
        organiser = OrganiserFactory(name=f"Organisateur {n}", city=f"Ville {n}", postal_codes=f"4{n}000")
        campaign_opened(f"Campagne {n}", organiser, f"Ville {n}", 10 + n)
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)
    assert response.status_code == 200 and len(response.context["groups"]) == 9
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
