"""The space's open campaigns: those of the association's city first, then of its département, then the others,
read with a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import nearest_first
from tests.factories.associations import AssociationFactory, member_of
from tests.factories.campaigns import CampaignFactory, OrganiserFactory, lyon

pytestmark = pytest.mark.django_db


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
    # Newest first by default: Villeurbanne, Lyon, Aix, then Marseille's.
    return {
        "villeurbanne": _campaign("Villeurbanne 2027", villeurbanne, "Villeurbanne", 1),
        "lyon": _campaign("Lyon 2027", metropole, "Lyon", 2),
        "aix": _campaign("Aix 2027", aix, "Aix-en-Provence", 3),
        "marseille": _campaign("Marseille 2027", marseille, "Marseille", 4),
    }


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
        _campaign(f"Campagne {n}", organiser, f"Ville {n}", 10 + n)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
