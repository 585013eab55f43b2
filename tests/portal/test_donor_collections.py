"""The donor space's collection pages (/donor/pledges/<id>/collection/, /donor/lots/<id>/collection/): a donor's
people propose slots for their own pledges and lots only; refused input comes back with French field errors."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import CampaignDonor
from inventory.models import Collection, Lot
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.donors import donor_member
from tests.factories.inventory import CollectionFactory, ComputerFactory, LotFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)  # Tuesday 10 March 2026, 10:00 in Paris


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def donor_a():
    return DonorFactory(name="Entreprise A")


@pytest.fixture
def person_a(donor_a):
    return donor_member(donor_a, email="a@entreprise-a.example.com")


@pytest.fixture
def person_b():
    return donor_member(DonorFactory(name="Entreprise B"), email="b@entreprise-b.example.com")


@pytest.fixture
def pledge_a(donor_a):
    return CampaignDonor.objects.create(campaign=CampaignFactory(), donor=donor_a, pledged_units=50)


def form_data(*slots, **fields):
    data = {
        "expected_count": "40",
        "models_description": "Dell OptiPlex 7070",
        "site_address": "1 rue du Port, 13002 Marseille",
        "contact_name": "Claire Dupont",
        "contact_phone": "04 91 00 00 00",
        "contact_email": "",
        "slots-TOTAL_FORMS": "5",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "5",
        **fields,
    }
    for i, (day, start, end, notes) in enumerate(slots):
        data.update(
            {
                f"slots-{i}-date": day,
                f"slots-{i}-starts_at": start,
                f"slots-{i}-ends_at": end,
                f"slots-{i}-address": "",
                f"slots-{i}-access_notes": notes,
            }
        )
    return data


GOOD_SLOT = ("2026-03-16", "09:00", "12:00", "Quai B, badge à l'accueil")


def test_a_donor_announces_a_lot_and_sees_its_proposed_slots(client, person_a, pledge_a):
    client.force_login(person_a)
    url = reverse("donors:collection_for_pledge", args=[pledge_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(GOOD_SLOT, ("2026-03-17", "14:00", "16:00", "")))
    assert response.status_code == 302
    collection = Collection.objects.get()
    assert collection.lot.expected_count == 40 and collection.slots.count() == 2
    # The blank slot address takes the site's address.
    assert set(collection.slots.values_list("address", flat=True)) == {"1 rue du Port, 13002 Marseille"}
    space = client.get(reverse("donors:space")).content.decode()
    assert collection.lot.reference in space and "créneaux proposés, en attente de l'équipe de stock" in space


@pytest.mark.parametrize(
    ("slots", "fields", "message"),
    [
        ([("2026-03-09", "09:00", "12:00", "")], {}, "Ce jour est déjà passé"),
        ([("2026-03-16", "12:00", "09:00", "")], {}, "L&#x27;heure de fin doit suivre l&#x27;heure de début"),
        (
            [("2026-03-16", "09:00", "12:00", ""), ("2026-03-16", "11:00", "13:00", "")],
            {},
            "Ce créneau chevauche le créneau n° 1",
        ),
        ([("2026-03-16", "09:00", "12:00", "<script>alert(1)</script>")], {}, "Écrivez sans balises HTML"),
        ([GOOD_SLOT], {"models_description": "<b>Dell</b>"}, "Écrivez sans balises HTML"),
        ([GOOD_SLOT], {"expected_count": "12,5"}, "Indiquez un nombre entier"),
        ([GOOD_SLOT], {"expected_count": "9" * 30}, "inférieure ou égale à 100000"),
        ([GOOD_SLOT], {"slots-TOTAL_FORMS": "6"}, "Proposez au plus 5 créneaux"),
        ([], {}, "Proposez au moins un créneau"),
        ([("16 mars", "9h", "midi", "")], {}, "Indiquez une date"),
    ],
)
def test_refused_input_comes_back_with_french_errors_and_writes_nothing(
    client, person_a, pledge_a, slots, fields, message
):
    client.force_login(person_a)
    response = client.post(reverse("donors:collection_for_pledge", args=[pledge_a.pk]), form_data(*slots, **fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Lot.objects.exists() and not Collection.objects.exists()


def test_a_nul_character_is_refused_cleanly(client, person_a, pledge_a):
    client.force_login(person_a)
    response = client.post(
        reverse("donors:collection_for_pledge", args=[pledge_a.pk]), form_data(GOOD_SLOT, contact_name="Cl\x00aire")
    )
    assert response.status_code == 400 and not Collection.objects.exists()


def test_donor_b_gets_404_on_donor_as_pledge_and_lot(client, person_b, pledge_a, donor_a):
    lot = LotFactory(donor=donor_a)
    client.force_login(person_b)
    for url in (
        reverse("donors:collection_for_pledge", args=[pledge_a.pk]),
        reverse("donors:collection_for_lot", args=[lot.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, form_data(GOOD_SLOT)).status_code == 404
    assert not Collection.objects.exists()


def test_proposing_for_an_existing_lot_and_seeing_the_confirmed_slot_and_the_difference(client, person_a, donor_a):
    lot = LotFactory(donor=donor_a, reference="LOT-A-01", expected_count=5)
    client.force_login(person_a)
    space = client.get(reverse("donors:space")).content.decode()
    assert reverse("donors:collection_for_lot", args=[lot.pk]) in space
    response = client.post(reverse("donors:collection_for_lot", args=[lot.pk]), form_data(GOOD_SLOT, expected_count=""))
    assert response.status_code == 302
    collection = Collection.objects.get(lot=lot)
    Collection.objects.filter(pk=collection.pk).update(
        status=Collection.Status.CONFIRMED, confirmed_slot=collection.slots.get()
    )
    space = client.get(reverse("donors:space")).content.decode()
    assert "Collecte confirmée :" in space and "lundi 16 mars 2026, entre 09:00 et 12:00" in space
    # No new proposal while one is live.
    assert reverse("donors:collection_for_lot", args=[lot.pk]) not in space
    Collection.objects.filter(pk=collection.pk).update(status=Collection.Status.COLLECTED)
    for _i in range(2):
        ComputerFactory(lot=lot)
    space = client.get(reverse("donors:space")).content.decode()
    assert "5 annoncés, 2 reçus : 3 de moins que prévu." in space


def test_a_collection_asked_again_shows_the_stock_teams_message(client, person_a, donor_a):
    lot = LotFactory(donor=donor_a)
    CollectionFactory(lot=lot, status=Collection.Status.DECLINED, staff_message="Plutôt le jeudi matin.")
    client.force_login(person_a)
    space = client.get(reverse("donors:space")).content.decode()
    assert "Plutôt le jeudi matin." in space
    assert reverse("donors:collection_for_lot", args=[lot.pk]) in space
