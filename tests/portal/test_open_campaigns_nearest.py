"""The space's open campaigns: those of the association's city first, then of its département, then the others,
read with a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.selectors import nearest_first
from tests.factories.associations import AssociationFactory, member_of
from tests.factories.campaigns import OrganiserFactory, campaign_opened, campaigns_in_four_cities, lyon

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns():
    return campaigns_in_four_cities()  # newest first by default: Villeurbanne, Lyon, Aix, then Marseille's


def _shown(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("associations:space"))
    assert response.status_code == 200
    return [c.name for c in response.context["home"].open_campaigns]


def test_a_marseille_association_sees_marseille_then_its_departement_then_the_others(client, campaigns):
    member = member_of(AssociationFactory(city="Marseille", postal_code="13001"))
    assert _shown(client, member) == ["Marseille 2027", "Aix 2027", "Villeurbanne 2027", "Lyon 2027"]
    page = client.get(reverse("associations:space")).content.decode()
    assert page.index("Marseille 2027") < page.index("Lyon 2027")


def test_a_lyon_association_sees_lyon_first(client, campaigns):
    member = member_of(AssociationFactory(city="LYON", postal_code="69003"))  # the city typed in capitals
    assert _shown(client, member) == ["Lyon 2027", "Villeurbanne 2027", "Aix 2027", "Marseille 2027"]


def test_a_postal_code_of_the_organisers_territory_counts_as_its_city():
    campaigns = [
        Campaign(name="Lyon", city="Lyon", organiser=lyon()),
        Campaign(name="Marseille", city="Marseille", organiser=OrganiserFactory(postal_codes="13013")),
    ]
    association = AssociationFactory.build(city="Marseille 13e", postal_code="13013")
    assert [c.name for c in nearest_first(campaigns, [association])] == ["Marseille", "Lyon"]


def test_a_member_of_two_associations_sees_both_cities_first(client, campaigns):
    member = member_of(AssociationFactory(city="Marseille", postal_code="13001"))
    from associations.models import Membership

    Membership.objects.create(user=member, association=AssociationFactory(city="Lyon", postal_code="69003"))
    assert _shown(client, member) == ["Lyon 2027", "Marseille 2027", "Villeurbanne 2027", "Aix 2027"]


def test_the_order_costs_no_query_per_campaign(client, campaigns):
    member = member_of(AssociationFactory(city="Marseille", postal_code="13001"))
    client.force_login(member)
    url = reverse("associations:space")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        organiser = OrganiserFactory(name=f"Organisateur {n}", city=f"Ville {n}", postal_codes=f"4{n}000")
        campaign_opened(f"Campagne {n}", organiser, f"Ville {n}", 10 + n)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
