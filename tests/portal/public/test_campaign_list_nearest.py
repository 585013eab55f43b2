"""The public list of campaigns (/campaigns/) for a member of an association: nearest first, as in the
association space (campaigns.selectors.nearest_first); anonymous visitors and people without an association keep
the alphabetical order of the cities. Constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from associations.models import Membership
from tests.factories.accounts import UserFactory
from tests.factories.associations import AssociationFactory, member_of
from tests.factories.campaigns import CampaignFactory, OrganiserFactory, lyon

pytestmark = pytest.mark.django_db

URL = "/campaigns/"
ALPHABETICAL = ["Aix-en-Provence", "Lyon", "Marseille", "Villeurbanne"]


def _campaign(name, organiser, city, opened_days_ago):
    return CampaignFactory(
        name=name,
        slug=name.lower().replace(" ", "-"),
        organiser=organiser,
        city=city,
        applications_open_on=timezone.localdate() - datetime.timedelta(days=opened_days_ago),
    )


@pytest.fixture
def campaigns():
    marseille = OrganiserFactory()
    marseille.postal_codes = "13001 13002 13003"
    marseille.save()
    metropole = lyon()
    metropole.postal_codes = "69001 69002 69003"
    metropole.save()
    aix = OrganiserFactory(name="Pays d'Aix", city="Aix-en-Provence", postal_codes="13090 13100")
    villeurbanne = OrganiserFactory(name="Ville de Villeurbanne", city="Villeurbanne", postal_codes="69100")
    _campaign("Villeurbanne 2027", villeurbanne, "Villeurbanne", 1)
    _campaign("Lyon 2027", metropole, "Lyon", 2)
    _campaign("Aix 2027", aix, "Aix-en-Provence", 3)
    _campaign("Marseille 2027", marseille, "Marseille", 4)


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
    _campaign("Lyon 7e 2027", other, "Lyon", 10)
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
        _campaign(f"Campagne {n}", organiser, f"Ville {n}", 10 + n)
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)
    assert response.status_code == 200 and len(response.context["groups"]) == 9
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
