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


def _lot_data(lot, partner) -> dict:
    return {
        "donor": lot.donor_id,
        "reference": lot.reference,
        "arrival_date": lot.arrival_date.strftime("%d/%m/%Y"),
        "site": lot.site,
        "expected_count": lot.expected_count,
        "partner": partner.pk if partner else "",
        "notes": "",
    }


def test_a_lots_partner_is_one_working_for_its_organiser(client):
    marseille, metropole = OrganiserFactory(), lyon()
    prado = StockPartnerFactory(name="Atelier du Prado")
    prado.organisers.set([marseille])
    confluence = StockPartnerFactory(name="Atelier Confluence")
    confluence.organisers.set([metropole])
    lot = LotFactory(organiser=marseille)
    client.force_login(staff_with_role(roles.INVENTORY_OPERATOR, email="stock-partenaire@x.org"))
    url = reverse("admin:inventory_lot_change", args=[lot.pk])
    offered = client.get(url).context["adminform"].form.fields["partner"].queryset
    assert list(offered) == [prado]  # Lyon's refurbisher is not offered for a Marseille lot

    refused = client.post(url, _lot_data(lot, confluence))  # a crafted form
    assert refused.status_code == 200
    assert "partner" in refused.context["adminform"].form.errors
    lot.refresh_from_db()
    assert lot.partner is None

    assert client.post(url, _lot_data(lot, prado)).status_code == 302
    lot.refresh_from_db()
    assert lot.partner == prado


def test_a_partner_that_stopped_working_for_the_organiser_is_refused_with_a_word(client):
    marseille = OrganiserFactory()
    former = StockPartnerFactory(name="Ancien atelier")
    lot = LotFactory(organiser=marseille, partner=former, partner_works_for_organiser=False)
    client.force_login(staff_with_role(roles.INVENTORY_OPERATOR, email="stock-ancien@x.org"))
    url = reverse("admin:inventory_lot_change", args=[lot.pk])
    form = client.get(url).context["adminform"].form
    assert list(form.fields["partner"].queryset) == [former]  # shown, not cleared without a word
    page = client.post(url, _lot_data(lot, former))
    assert page.status_code == 200
    assert "ne reconditionne pas pour l'organisateur de ce lot" in page.context["adminform"].form.errors["partner"][0]
    # Cleared, the lot saves.
    assert client.post(url, _lot_data(lot, None)).status_code == 302


def test_a_new_lot_offers_the_partners_of_ones_organisers_and_the_service_checks_the_pair():
    from core.errors import DomainError
    from inventory import services

    marseille, metropole = OrganiserFactory(), lyon()
    confluence = StockPartnerFactory(name="Atelier Confluence")
    confluence.organisers.set([metropole])
    lot = LotFactory(organiser=marseille)
    with pytest.raises(DomainError, match="ne reconditionne pas"):
        services.lot_update(lot=lot, by=None, partner=confluence)
    with pytest.raises(DomainError, match="ne reconditionne pas"):
        services.lot_create(
            by=None,
            organiser=marseille,
            donor=lot.donor,
            reference="LOT-NOUVEAU",
            arrival_date=lot.arrival_date,
            site="Atelier",
            partner=confluence,
        )


def test_the_add_form_offers_only_the_partners_of_ones_organisers(client):
    marseille, metropole = OrganiserFactory(), lyon()
    prado = StockPartnerFactory(name="Atelier du Prado")
    prado.organisers.set([marseille])
    StockPartnerFactory(name="Atelier Confluence").organisers.set([metropole])
    StockPartnerFactory(name="Atelier sans organisateur")
    client.force_login(staff_with_role(roles.INVENTORY_OPERATOR, email="stock-ajout@x.org"))
    form = client.get(reverse("admin:inventory_lot_add")).context["adminform"].form
    assert list(form.fields["partner"].queryset) == [prado]
