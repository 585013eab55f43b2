"""A refurbisher works for some organisers: each team sets only its own, and never removes another's."""

import pytest
from django.urls import reverse

from accounts import roles
from inventory.models import StockPartner
from tests.factories.accounts import staff_with_role
from tests.factories.campaigns import OrganiserFactory, lyon
from tests.factories.inventory import LotFactory, StockPartnerFactory

pytestmark = pytest.mark.django_db


def _save(client, partner, organisers):
    url = reverse("admin:inventory_stockpartner_change", args=[partner.pk])
    data = {"name": partner.name, "siret": "", "contact_email": "", "organisers": [o.pk for o in organisers]}
    return client.post(url, data)


def test_a_lyon_manager_adds_lyon_and_keeps_marseille(client):
    marseille, metropole = OrganiserFactory(), lyon()
    partner = StockPartnerFactory(name="Atelier du Prado")
    partner.organisers.set([marseille])
    client.force_login(staff_with_role(roles.CAMPAIGN_MANAGER, organiser=metropole, email="manager-lyon@x.org"))
    page = client.get(reverse("admin:inventory_stockpartner_change", args=[partner.pk])).content.decode()
    assert "Métropole de Lyon" in page and "Ville de Marseille" not in page  # only its organisers to choose
    assert _save(client, partner, [metropole]).status_code == 302
    assert set(StockPartner.objects.get(pk=partner.pk).organisers.all()) == {marseille, metropole}
    # Taking Lyon off again leaves Marseille's choice alone.
    assert _save(client, partner, []).status_code == 302
    assert list(StockPartner.objects.get(pk=partner.pk).organisers.all()) == [marseille]
    # Another organiser cannot be forced in by a crafted form.
    response = _save(client, partner, [marseille, metropole])
    assert response.status_code == 200 and set(partner.organisers.all()) == {marseille}


def test_the_migration_links_partners_to_their_lots_organisers():
    from importlib import import_module

    from django.apps import apps

    partner = StockPartnerFactory(name="Atelier de Lyon")
    LotFactory(organiser=lyon(), partner=partner, partner_works_for_organiser=False)
    LotFactory(partner=StockPartnerFactory(name="Sans lot lié"), partner_works_for_organiser=False)
    assert not partner.organisers.exists()
    migration = import_module("inventory.migrations.0014_stockpartner_organisers")
    migration.works_for_its_lots_organisers(apps, None)
    assert [o.name for o in partner.organisers.all()] == ["Métropole de Lyon"]
