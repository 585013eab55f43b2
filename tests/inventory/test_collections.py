"""Collections (issue 16): a donor proposes slots to collect a lot, the lot's stock team confirms one or asks for
others, then records the collection; the donor is emailed once; the lot shows announced against received."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from accounts import roles
from campaigns.models import CampaignDonor
from core.errors import TransitionError
from core.models import OutboxEmail
from inventory import collection_services as services
from inventory.models import Collection, CollectionEvent, Lot
from inventory.selectors import difference_words
from tests.conftest import require
from tests.factories.accounts import staff_with_role
from tests.factories.campaigns import CampaignFactory, DonorFactory, lyon
from tests.factories.donors import donor_member
from tests.factories.inventory import CollectionFactory, ComputerFactory, LotFactory
from tests.threads import run_together

pytestmark = pytest.mark.django_db

S = Collection.Status
# A fixed moment: Tuesday 10 March 2026, 10:00 in Paris.
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 3, 16)


def slot(day=DAY, start=(9, 0), end=(12, 0), **extra):
    return {
        "date": day,
        "starts_at": datetime.time(*start),
        "ends_at": datetime.time(*end),
        "address": "1 rue du Port, 13002 Marseille",
        "access_notes": "Quai B",
        **extra,
    }


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def donor():
    return DonorFactory(name="Banque Solidaire")


@pytest.fixture
def person(donor):
    return donor_member(donor, email="claire@banque.example.com")


@pytest.fixture
def pledge(donor):
    return CampaignDonor.objects.create(campaign=CampaignFactory(), donor=donor, pledged_units=50)


@pytest.fixture
def operator():
    return staff_with_role(roles.INVENTORY_OPERATOR, email="stock@example.org")


def propose(person, *, pledge=None, lot=None, slots=None, **extra):
    data = {
        "contact_name": "Claire Dupont",
        "contact_phone": "04 91 00 00 00",
        "contact_email": "",
        "models_description": "Dell OptiPlex 7070",
        **extra,
    }
    if pledge is not None:
        data.setdefault("expected_count", 40)
    slots = [slot()] if slots is None else slots
    return services.collection_propose(by=person, pledge=pledge, lot=lot, slots=slots, **data)


def test_announcing_a_lot_for_a_pledge_makes_the_lot_its_slots_and_a_history_row(person, pledge):
    collection = propose(person, pledge=pledge, slots=[slot(), slot(DAY + datetime.timedelta(days=1))])
    lot = collection.lot
    assert (lot.donor, lot.organiser, lot.expected_count, lot.arrival_date) == (
        pledge.donor,
        pledge.campaign.organiser,
        40,
        DAY,
    )
    assert lot.reference == "BANQUE-SOLIDAIRE-2026-01"
    assert collection.status == S.PROPOSED and collection.slots.count() == 2
    event = CollectionEvent.objects.get(collection=collection)
    assert (event.from_status, event.to_status, event.actor) == ("", "proposed", person)


def test_a_second_new_lot_gets_the_next_reference(person, pledge):
    first = propose(person, pledge=pledge)
    second = propose(person, pledge=pledge)
    assert (first.lot.reference, second.lot.reference) == ("BANQUE-SOLIDAIRE-2026-01", "BANQUE-SOLIDAIRE-2026-02")


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ([slot(DAY.replace(day=9))], "Ce jour est déjà passé"),
        ([slot(NOW.date(), start=(9, 0), end=(11, 0))], "Cette heure est déjà passée"),
        ([slot(end=(8, 0))], "L'heure de fin doit suivre l'heure de début"),
        ([slot(end=(9, 0))], "L'heure de fin doit suivre l'heure de début"),
        ([slot(start=(9, 0), end=(12, 0)), slot(start=(11, 0), end=(14, 0))], "chevauche le créneau n° 1"),
        ([slot(DAY + datetime.timedelta(days=i)) for i in range(6)], "Proposez au plus 5 créneaux"),
        ([], "Proposez au moins un créneau"),
        ([slot(access_notes="<script>alert(1)</script>")], "sans balises HTML"),
        ([slot(address="<b>Quai</b>")], "sans balises HTML"),
        ([slot(DAY.replace(year=2028))], "dans l'année qui vient"),
    ],
)
def test_refused_slots_say_why_in_french_and_write_nothing(person, pledge, slots, message):
    with pytest.raises(ValidationError) as refused:
        propose(person, pledge=pledge, slots=slots)
    assert any(message in text for text in refused.value.message_dict["slots"])
    assert not Lot.objects.exists() and not Collection.objects.exists()


def test_touching_slots_are_not_overlapping_and_five_are_accepted(person, pledge):
    slots = [slot(start=(9, 0), end=(12, 0)), slot(start=(12, 0), end=(14, 0))]
    slots += [slot(DAY + datetime.timedelta(days=i)) for i in (1, 2, 3)]
    assert propose(person, pledge=pledge, slots=slots).slots.count() == 5


def test_html_in_the_models_or_the_contact_is_refused_on_its_field(person, pledge):
    with pytest.raises(ValidationError) as refused:
        propose(person, pledge=pledge, models_description="<img src=x onerror=alert(1)>", contact_name="")
    assert set(refused.value.message_dict) == {"models_description", "contact_name"}
    assert not Lot.objects.exists()


def test_a_lot_with_a_live_collection_refuses_another(person, donor):
    lot = LotFactory(donor=donor)
    propose(person, lot=lot)
    with pytest.raises(ValidationError, match="déjà une collecte en cours"):
        propose(person, lot=lot)
    assert Collection.objects.filter(lot=lot).count() == 1


def test_confirming_one_slot_declines_the_others_expects_the_lot_that_day_and_emails_the_donor_once(
    person, pledge, operator
):
    collection = propose(person, pledge=pledge, slots=[slot(), slot(DAY + datetime.timedelta(days=2))])
    chosen = collection.slots.order_by("date").last()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.collection_confirm(collection=collection, slot=chosen, by=operator, note="Camion de 12 m³")
    collection.refresh_from_db()
    assert collection.status == S.CONFIRMED and collection.confirmed_slot == chosen and collection.decided_at
    assert Lot.objects.get(pk=collection.lot_id).arrival_date == chosen.date
    event = CollectionEvent.objects.filter(collection=collection).last()
    assert (event.from_status, event.to_status, event.actor) == ("proposed", "confirmed", operator)
    email = OutboxEmail.objects.get(template="collection_confirmed")
    assert email.to == ["claire@banque.example.com"]
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "mercredi 18 mars 2026" in body and "entre 09:00 et 12:00" in body and "Camion de 12 m³" in body
    assert reverse("donors:space") in body
    # Confirming again is refused: no second email.
    with pytest.raises(TransitionError), TestCase.captureOnCommitCallbacks(execute=True):
        services.collection_confirm(collection=collection, slot=chosen, by=operator)
    assert OutboxEmail.objects.filter(template="collection_confirmed").count() == 1 and len(mail.outbox) == 1


def test_a_slot_of_another_collection_is_refused(person, pledge, operator):
    one, other = propose(person, pledge=pledge), propose(person, pledge=pledge)
    with pytest.raises(ValidationError):
        services.collection_confirm(collection=one, slot=other.slots.get(), by=operator)
    one.refresh_from_db()
    assert one.status == S.PROPOSED


def test_asking_for_other_slots_needs_a_message_and_lets_the_donor_propose_again(person, pledge, operator):
    collection = propose(person, pledge=pledge)
    with pytest.raises(ValidationError):
        services.collection_ask_other_slots(collection=collection, by=operator, message="  ")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.collection_ask_other_slots(collection=collection, by=operator, message="Plutôt le jeudi matin.")
    collection.refresh_from_db()
    assert (collection.status, collection.staff_message) == (S.DECLINED, "Plutôt le jeudi matin.")
    assert len(mail.outbox) == 1 and "Plutôt le jeudi matin." in mail.outbox[0].body
    again = propose(person, lot=collection.lot)
    assert again.status == S.PROPOSED


def test_collected_then_final(person, pledge, operator):
    collection = propose(person, pledge=pledge)
    with pytest.raises(TransitionError):
        services.collection_mark_collected(collection=collection, by=operator)
    services.collection_confirm(collection=collection, slot=collection.slots.get(), by=operator)
    services.collection_mark_collected(collection=collection, by=operator)
    collection.refresh_from_db()
    assert collection.status == S.COLLECTED and collection.collected_at
    for move in (
        lambda: services.collection_cancel(collection=collection, by=operator),
        lambda: services.collection_ask_other_slots(collection=collection, by=operator, message="Non"),
    ):
        with pytest.raises(TransitionError):
            move()
    assert [e.to_status for e in CollectionEvent.objects.filter(collection=collection)] == [
        "proposed",
        "confirmed",
        "collected",
    ]


@pytest.mark.parametrize(
    ("expected", "received", "words"),
    [(10, 7, "3 de moins que prévu"), (10, 11, "1 de plus que prévu"), (10, 10, "comme prévu"), (0, 4, "")],
)
def test_the_difference_in_plain_words(expected, received, words):
    assert difference_words(expected, received) == words


def test_the_lot_admin_shows_announced_received_and_the_difference(client, operator):
    lot = LotFactory(reference="LOT-ECART", expected_count=5)
    for _i in range(2):
        ComputerFactory(lot=lot)
    collection = CollectionFactory(lot=lot, status=S.COLLECTED)
    client.force_login(operator)
    listing = client.get(reverse("admin:inventory_lot_changelist")).content.decode()
    assert "3 de moins que prévu" in listing and "Collecté" in listing
    page = client.get(reverse("admin:inventory_lot_change", args=[lot.pk])).content.decode()
    assert "Annoncés : 5 · reçus : 2" in page and "3 de moins que prévu" in page
    assert reverse("admin:inventory_collection_decide", args=[collection.pk]) in page


def test_the_stock_team_confirms_from_the_decision_page(client, operator, person, pledge):
    collection = propose(person, pledge=pledge, slots=[slot(), slot(DAY + datetime.timedelta(days=1))])
    chosen = collection.slots.order_by("date").first()
    client.force_login(operator)
    url = reverse("admin:inventory_collection_decide", args=[collection.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Confirmer le créneau choisi" in page.content.decode()
    refused = client.post(url, {"action": "confirm", "slot": "", "message": ""})
    assert refused.status_code == 400 and "Choisissez le créneau à confirmer." in refused.content.decode()
    response = client.post(url, {"action": "confirm", "slot": chosen.pk, "message": ""})
    assert response.status_code == 302
    collection.refresh_from_db()
    assert collection.confirmed_slot == chosen


def test_lyon_stock_team_gets_404_on_a_marseille_collection(client, person, pledge):
    collection = propose(person, pledge=pledge)
    lyon_stock = staff_with_role(roles.INVENTORY_OPERATOR, organiser=lyon(), email="stock@lyon.example.org")
    client.force_login(lyon_stock)
    for url in (
        reverse("admin:inventory_collection_decide", args=[collection.pk]),
        reverse("admin:inventory_collection_change", args=[collection.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("admin:inventory_collection_decide", args=[collection.pk]),
        {"action": "confirm", "slot": collection.slots.get().pk},
    )
    assert response.status_code == 404
    collection.refresh_from_db()
    assert collection.status == S.PROPOSED
    listing = client.get(reverse("admin:inventory_collection_changelist")).content.decode()
    assert collection.lot.reference not in listing


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_confirming_different_slots_at_once_one_wins():
    require(connection.vendor == "postgresql", "needs PostgreSQL")
    donor = DonorFactory(name="Banque Concurrente")
    person = donor_member(donor, email="claire@concurrente.example.com")
    pledge = CampaignDonor.objects.create(campaign=CampaignFactory(), donor=donor, pledged_units=50)
    collection = propose(person, pledge=pledge, slots=[slot(), slot(DAY + datetime.timedelta(days=1))])
    first, second = collection.slots.order_by("date")
    one = staff_with_role(roles.INVENTORY_OPERATOR, email="un@example.org")
    two = staff_with_role(roles.INVENTORY_OPERATOR, email="deux@example.org")
    outcomes = run_together(
        [
            lambda by=by, chosen=chosen: services.collection_confirm(collection=collection, slot=chosen, by=by)
            for by, chosen in ((one, first), (two, second))
        ],
        refused=(TransitionError,),
        timeout=60,
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    collection.refresh_from_db()
    assert collection.status == S.CONFIRMED and collection.confirmed_slot in (first, second)
    assert CollectionEvent.objects.filter(collection=collection, to_status="confirmed").count() == 1
    assert OutboxEmail.objects.filter(template="collection_confirmed").count() == 1
