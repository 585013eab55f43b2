"""Every table of allowed status moves, through the one helper (core.transitions).

For each model with a ``Transitions`` table: every allowed move succeeds, one row or many, and writes
its history row with the actor; every other move between its statuses raises ``TransitionError`` with
the table's message and changes nothing (neither the row nor its history).
"""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import TransitionError
from core.transitions import Transitions, transition, transition_many
from tests.factories.accounts import StaffFactory
from tests.factories.associations import ApplicationFactory, approved_application
from tests.factories.campaigns import CampaignFactory
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ComputerFactory

pytestmark = pytest.mark.django_db


# Builders: one row in any status, with every field that any status needs (so that each move is only
# judged by the table, not by another rule).


def _allocation(status="confirmed", **fields):
    from donations.models import Allocation

    campaign = CampaignFactory()
    return Allocation.objects.create(
        wave=WaveFactory(campaign=campaign),
        application=approved_application(campaign),
        quantity=1,
        status=status,
        **fields,
    )


def make_application(status):
    return ApplicationFactory(status=status, granted_quantity=20, statutes="", activity_report="")


def make_wave(status):
    return WaveFactory(status=status)


def make_allocation(status):
    return _allocation(status)


def make_appointment(status):
    today = timezone.localdate()
    return _allocation(
        appointment_status=status,
        appointment_date=today + datetime.timedelta(days=7),
        appointment_start=datetime.time(10),
        appointment_end=datetime.time(10, 30),
    )


def make_impact_report(status):
    from impact.models import ImpactReport

    allocation = _allocation("handed_over")
    today = timezone.localdate()
    return ImpactReport.objects.create(
        campaign=allocation.wave.campaign,
        association=allocation.application.association,
        allocation=allocation,
        period_start=today - datetime.timedelta(days=90),
        period_end=today,
        due_on=today + datetime.timedelta(days=15),
        status=status,
        submitted_at=timezone.now(),
        return_message="Les heures d'atelier manquent.",
        reopen_reason="Nous avons oublié les ateliers de mars.",
    )


def make_computer(status):
    from inventory.models import Computer

    computer = ComputerFactory(status=Computer.Status.READY)  # with a clearing wipe record
    Computer.objects.filter(pk=computer.pk).update(
        status=status,
        # What scrapping records (inventory.services.computers_scrap); harmless in any other status.
        scrap_reason="Carte mère hors service",
        scrap_cause="faulty",
        storage_outcome="removed",
        recycler="ecosystem",
    )
    computer.refresh_from_db()
    return computer


def make_handover(status):
    from certificates.models import Handover

    allocation = _allocation("confirmed")
    return Handover.objects.create(
        allocation=allocation,
        wave=allocation.wave,
        sequence=1,
        number=f"ATT-{allocation.pk}",
        state=status,
        error="Le moteur de rendu a expiré.",
        pdf="certificates/att.pdf",
    )


def make_campaign(status):
    return CampaignFactory(status=status)


def make_donor_offer(status):
    from campaigns.models import DonorOffer
    from tests.factories.campaigns import DONOR_OFFER_FIELDS, DonorFactory

    return DonorOffer.objects.create(
        campaign=CampaignFactory(status="open"),
        **DONOR_OFFER_FIELDS,
        donor=DonorFactory(),  # what an acceptance sets (harmless while pending)
        status=status,
        decided_at=None if status == "pending" else timezone.now(),
    )


def make_api_token(status):
    from api.models import ApiToken
    from api.services import api_token_create
    from tests.factories.campaigns import DonorFactory

    token, _secret = api_token_create(by=StaffFactory(is_superuser=True), name="ERP", donor=DonorFactory())
    if status == ApiToken.Status.REVOKED:
        ApiToken.objects.filter(pk=token.pk).update(status=status, revoked_at=timezone.now())
        token.refresh_from_db()
    return token


def _model(label):
    return apps.get_model(label)


# name: (the journaled model's label, the attribute holding its table, a builder)
def make_join_request(status):
    from associations.models import JoinRequest
    from tests.factories.accounts import UserFactory
    from tests.factories.associations import AssociationFactory

    return JoinRequest.objects.create(association=AssociationFactory(), user=UserFactory(), status=status)


def make_ticket(status):
    from certificates.models import Handover
    from support.models import Ticket

    allocation = _allocation("handed_over")
    handover = Handover.objects.create(
        allocation=allocation, wave=allocation.wave, sequence=1, number=f"ATT-{allocation.pk}"
    )
    return Ticket.objects.create(
        association=allocation.application.association,
        allocation=allocation,
        handover=handover,
        computer=ComputerFactory(),
        # What a replacement records (support.services.ticket_replace); harmless in any other status.
        replacement=ComputerFactory(),
        description="Écran noir.",
        warranty_ends_on=timezone.localdate(),
        status=status,
    )


def make_donor_document(status):
    from impact.models import DonorDocument
    from tests.factories.inventory import LotFactory

    lot = LotFactory()
    # A file as the render sets it with « ready » (the constraint requires it); harmless in any other status.
    return DonorDocument.objects.create(
        donor=lot.donor, kind="traceability", lot=lot, status=status, file="donors/rapport.pdf"
    )


def make_receipt(status, *, field="status"):
    from impact.models import Receipt
    from tests.factories.associations import AssociationFactory
    from tests.factories.campaigns import DonorFactory

    # Numbered, dated and with a file: what issuing and rendering set (impact.receipts), harmless otherwise.
    values = {"status": "issued", "state": "pending", field: status}
    return Receipt.objects.create(
        association=AssociationFactory(),
        donor=DonorFactory(name=f"Donateur {Receipt.objects.count()}"),
        year=2027,
        sequence=1,
        number="2027-0001",
        issued_at=timezone.now(),
        pdf="receipts/recu.pdf",
        **values,
    )


def make_receipt_render(state):
    return make_receipt(state, field="state")


def make_collection(status):
    from tests.factories.inventory import CollectionFactory

    # The confirmed slot is what a confirmation sets (harmless while proposed, declined or cancelled).
    return CollectionFactory(status=status, confirmed=True)


TABLES = {
    "join_request": ("associations.JoinRequest", "TRANSITIONS", make_join_request),
    "application": ("associations.Application", "TRANSITIONS", make_application),
    "wave": ("donations.Wave", "TRANSITIONS", make_wave),
    "allocation": ("donations.Allocation", "TRANSITIONS", make_allocation),
    "appointment": ("donations.Allocation", "APPOINTMENT_TRANSITIONS", make_appointment),
    "impact_report": ("impact.ImpactReport", "TRANSITIONS", make_impact_report),
    "computer": ("inventory.Computer", "TRANSITIONS", make_computer),
    "handover": ("certificates.Handover", "TRANSITIONS", make_handover),
    "campaign": ("campaigns.Campaign", "TRANSITIONS", make_campaign),
    "api_token": ("api.ApiToken", "TRANSITIONS", make_api_token),
    "donor_offer": ("campaigns.DonorOffer", "TRANSITIONS", make_donor_offer),
    "ticket": ("support.Ticket", "TRANSITIONS", make_ticket),
    "donor_document": ("impact.DonorDocument", "TRANSITIONS", make_donor_document),
    "receipt": ("impact.Receipt", "TRANSITIONS", make_receipt),
    "receipt_render": ("impact.Receipt", "RENDER_TRANSITIONS", make_receipt_render),
    "collection": ("inventory.Collection", "TRANSITIONS", make_collection),
}
# The timestamps a table's constraints require with a status, set by its service (``stamps=``) and here.
STAMPS = {"api_token": ("revoked_at",), "donor_offer": ("decided_at",)}


def _table(name: str) -> Transitions:
    label, attribute, _make = TABLES[name]
    return getattr(_model(label), attribute)


def _subject(name: str, status: str):
    """Table ``name`` and a fresh row of its model in ``status``."""
    _label, _attribute, make = TABLES[name]
    return _table(name), make(status)


def _move(obj, target: str, *, many: bool, rules: Transitions, by, **kwargs):
    """The move through ``transition`` (one row) or ``transition_many`` (a list of one)."""
    if many:
        return transition_many([obj], to=target, by=by, table=rules, **kwargs)
    return transition(obj, to=target, by=by, table=rules, **kwargs)


def _pairs(allowed: bool):
    """(table name, from, to) for every allowed (or forbidden) move of every table."""
    for name in TABLES:
        rules = _table(name)
        for source, target in sorted(rules.moves() if allowed else rules.forbidden()):
            yield pytest.param(name, source, target, id=f"{name}:{source}->{target}")


def _history(rules: Transitions, obj):
    journal = rules.journal_model()
    rows = journal.objects.filter(**{rules.subject: obj})
    if rules.kind is not None:
        rows = rows.filter(kind=rules.kind)
    return rows


@pytest.fixture
def actor():
    return StaffFactory(email="acteur@example.org", first_name="Alix", last_name="Acteur")


@pytest.mark.parametrize("many", [False, True], ids=["one", "many"])
@pytest.mark.parametrize(("name", "source", "target"), list(_pairs(allowed=True)))
def test_every_allowed_move_succeeds_and_is_journaled(name, source, target, many, actor):
    rules, obj = _subject(name, source)
    before = _history(rules, obj).count()
    _move(obj, target, many=many, rules=rules, by=actor, note="Test", stamps=STAMPS.get(name, ()))
    assert getattr(obj, rules.field) == target
    obj.refresh_from_db()
    assert getattr(obj, rules.field) == target
    rows = _history(rules, obj)
    assert rows.count() == before + 1
    row = rows.order_by("-pk").first()
    assert (row.from_status, row.to_status, row.note) == (source, target, "Test")
    assert row.actor == actor and row.actor_label == "Alix Acteur"


@pytest.mark.parametrize("many", [False, True], ids=["one", "many"])
@pytest.mark.parametrize(("name", "source", "target"), list(_pairs(allowed=False)))
def test_every_forbidden_move_raises_and_changes_nothing(name, source, target, many, actor):
    rules, obj = _subject(name, source)
    before = _history(rules, obj).count()
    expected = rules.refusal(obj, target)
    assert expected  # the table's own French message
    with pytest.raises(TransitionError) as refused:
        _move(obj, target, many=many, rules=rules, by=actor)
    assert str(refused.value) == expected
    assert getattr(obj, rules.field) == source
    obj.refresh_from_db()
    assert getattr(obj, rules.field) == source
    assert _history(rules, obj).count() == before


@pytest.mark.parametrize("name", list(TABLES))
def test_history_rows_are_append_only(name, actor):
    """Each journal row, once written, can be neither changed nor deleted (core.models.AppendOnlyModel)."""
    source, target = sorted(_table(name).moves())[0]
    rules, obj = _subject(name, source)
    transition(obj, to=target, by=actor, note="Test", table=rules, stamps=STAMPS.get(name, ()))
    row = _history(rules, obj).order_by("-pk").first()
    row.note = "modifié"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()
    assert _history(rules, obj).get(pk=row.pk).note == "Test"


def test_the_refusal_messages_name_both_statuses_in_french():
    Application = _model("associations.Application")
    application = Application(status=Application.Status.APPROVED)
    assert Application.TRANSITIONS.refusal(application, Application.Status.DRAFT) == (
        "Impossible de passer une candidature « Acceptée » à « Brouillon »."
    )
    Wave = _model("donations.Wave")
    assert Wave.TRANSITIONS.refusal(Wave(status=Wave.Status.CLOSED), Wave.Status.CLOSED) == (
        "La vague est déjà « Clôturée »."
    )


def test_many_rows_move_together_or_not_at_all(actor):
    Wave = _model("donations.Wave")
    planning, closed = make_wave(Wave.Status.PLANNING), make_wave(Wave.Status.CLOSED)
    with pytest.raises(TransitionError):
        transition_many([planning, closed], to=Wave.Status.CONFIRMED, by=actor)
    assert set(Wave.objects.values_list("status", flat=True)) == {Wave.Status.PLANNING, Wave.Status.CLOSED}
    second = make_wave(Wave.Status.PLANNING)
    moved = transition_many(
        Wave.objects.filter(pk__in=[planning.pk, second.pk]),
        to=Wave.Status.CONFIRMED,
        by=actor,
        notes={second.pk: "La seconde"},
        stamps=("confirmed_at",),
    )
    assert [w.pk for w in moved] == sorted([planning.pk, second.pk])
    assert {w.status for w in Wave.objects.filter(pk__in=[planning.pk, second.pk])} == {Wave.Status.CONFIRMED}
    assert Wave.objects.get(pk=second.pk).confirmed_at is not None
    assert second.events.get(kind="status").note == "La seconde"
    assert planning.events.get(kind="status").note == ""


def test_lock_rereads_the_row(actor):
    Campaign = _model("campaigns.Campaign")
    campaign = make_campaign(Campaign.Status.DRAFT)
    stale = Campaign.objects.get(pk=campaign.pk)
    transition(campaign, to=Campaign.Status.OPEN, by=actor, table=Campaign.TRANSITIONS)
    with pytest.raises(TransitionError):  # the stale copy says draft; the locked row says open
        transition(stale, to=Campaign.Status.OPEN, by=actor, table=Campaign.TRANSITIONS, lock=True)


def test_every_table_is_covered():
    """A new model with a table of transitions must be added to TABLES above."""
    declared = {
        (model, id(value))
        for model in apps.get_models()
        for value in vars(model).values()
        if isinstance(value, Transitions)
    }
    covered = {(_model(TABLES[name][0]), id(_table(name))) for name in TABLES}
    assert declared <= covered


@pytest.mark.parametrize("name", list(TABLES))
def test_each_table_lists_each_status_of_its_field(name):
    label, _attribute, _make = TABLES[name]
    rules = _table(name)
    choices = {value for value, _label in _model(label)._meta.get_field(rules.field).choices}
    assert set(rules) == choices


@pytest.mark.parametrize("name", list(TABLES))
def test_the_database_refuses_a_status_outside_the_table(name):
    """Even a raw UPDATE cannot put a row in a status its table does not know (a check constraint)."""
    rules = _table(name)
    _rules, obj = _subject(name, next(iter(rules)))
    with pytest.raises(IntegrityError), transaction.atomic():
        type(obj).objects.filter(pk=obj.pk).update(**{rules.field: "inconnu"})


def test_a_campaign_history_row_reads_in_words(actor):
    """The admin shows each history row's text: the statuses' labels, never their codes."""
    Campaign = _model("campaigns.Campaign")
    campaign = transition(make_campaign(Campaign.Status.DRAFT), to=Campaign.Status.OPEN, by=actor)
    text = str(campaign.events.get())
    assert text.startswith("En préparation → Ouverte (") and "draft" not in text
