"""Waves and allocations through their services: every allowed and forbidden change."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError, TransitionError
from donations import services
from donations.models import Allocation, AllocationEvent, AllocationUnit, Wave, WaveEvent
from inventory.models import Computer
from tests.donations.conftest import T0, in_days
from tests.factories.associations import approved_application, member_of
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_units

W = Wave.Status
A = Allocation.Status
AP = Allocation.Appointment
pytestmark = pytest.mark.django_db


def quantities(wave):
    return [(a.application_id, a.quantity) for a in wave.allocations.live().order_by("position")]


def confirmed_wave(wave, manager, stock=200, capture=None):
    ready_units(stock)
    services.wave_plan(wave=wave, by=manager)
    if capture is None:
        return services.wave_confirm(wave=wave, by=manager)
    with capture(execute=True):
        return services.wave_confirm(wave=wave, by=manager)


# Planning -------------------------------------------------------------------------------------


def test_plan_proposes_every_approved_application_in_order(wave, applications, manager):
    ready_units(150)
    plan = services.wave_plan(wave=wave, by=manager)
    assert plan.total == 100
    assert quantities(wave) == [
        (applications[0].pk, 30),
        (applications[1].pk, 25),
        (applications[2].pk, 20),
        (applications[3].pk, 15),
        (applications[4].pk, 10),
    ]
    first = wave.allocations.get(application=applications[0])
    assert first.reason == "accordé 30, 0 reçu, priorité 3"
    assert first.planned_quantity == 30 and first.status == A.PROPOSED
    wave.refresh_from_db()
    assert wave.planned_at is not None and wave.plan_skipped == []
    assert wave.events.filter(kind=WaveEvent.Kind.PLANNED).count() == 1


def test_replanning_replaces_the_proposal_and_follows_priorities(wave, applications, manager):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    applications[4].priority = 1
    applications[4].save()
    services.wave_plan(wave=wave, by=manager)
    assert wave.allocations.count() == 5
    assert wave.allocations.order_by("position").first().application == applications[4]


def test_capacity_over_stock_is_refused_and_nothing_changes(wave, applications, manager):
    ready_units(60)
    with pytest.raises(DomainError, match="dépasse le stock prêt"):
        services.wave_plan(wave=wave, by=manager)
    assert not wave.allocations.exists()
    assert not wave.events.exists()


def test_skipped_applications_are_explained(marseille, applications, manager):
    ready_units(150)
    wave = WaveFactory(campaign=marseille, capacity=60)
    services.wave_plan(wave=wave, by=manager)
    wave.refresh_from_db()
    assert quantities(wave) == [(applications[0].pk, 30), (applications[1].pk, 25)]
    codes = [s["code"] for s in wave.plan_skipped]
    assert codes == ["capacity_below_minimum", "capacity_below_minimum", "capacity_below_minimum"]
    assert "capacité restante de 5" in wave.plan_skipped[0]["reason"]


def test_planning_a_confirmed_or_closed_wave_is_refused(wave, applications, manager):
    confirmed_wave(wave, manager)
    with pytest.raises(DomainError, match="ne peut plus être modifiée"):
        services.wave_plan(wave=wave, by=manager)
    wave.allocations.update(status=A.HANDED_OVER)  # shortcut: the wave's handovers are done
    services.wave_close(wave=wave, by=manager)
    with pytest.raises(DomainError, match="close"):
        services.wave_plan(wave=wave, by=manager)
    assert wave.allocations.filter(status=A.HANDED_OVER).count() == 5


def test_later_waves_count_what_earlier_waves_gave(marseille, applications, manager):
    ready_units(300)
    first = WaveFactory(campaign=marseille, number=1, capacity=50)
    services.wave_plan(wave=first, by=manager)
    services.wave_confirm(wave=first, by=manager)
    # The second association gets the 20 left of its 25: the other 5 wait for a later wave.
    assert quantities(first) == [(applications[0].pk, 30), (applications[1].pk, 20)]
    second = WaveFactory(campaign=marseille, number=2, capacity=100)
    services.wave_plan(wave=second, by=manager)
    assert quantities(second) == [(applications[2].pk, 20), (applications[3].pk, 15), (applications[4].pk, 10)]
    second.refresh_from_db()
    reasons = {s["application"]: s for s in second.plan_skipped}
    assert reasons[applications[0].pk]["code"] == "served"
    assert reasons[applications[1].pk]["code"] == "below_minimum"
    assert "accordé 25, 20 reçu" in reasons[applications[1].pk]["reason"]
    # The final lot, planned meanwhile, serves the 5 left and sees the second wave's proposals.
    final = WaveFactory(campaign=marseille, number=3, capacity=50, is_final_lot=True)
    services.wave_plan(wave=final, by=manager)
    assert quantities(final) == [(applications[1].pk, 5)]
    final.refresh_from_db()
    assert sum(s["reason"].startswith("déjà prévu dans une autre vague") for s in final.plan_skipped) == 3


# Editing a proposal ---------------------------------------------------------------------------


def test_edit_quantities_and_remove_lines(wave, applications, manager):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    lines = {a.application_id: a for a in wave.allocations.all()}
    changes = services.wave_edit_plan(
        wave=wave,
        by=manager,
        quantities={lines[applications[0].pk].pk: 12},
        remove=[lines[applications[4].pk].pk],
    )
    assert len(changes) == 2
    assert quantities(wave) == [
        (applications[0].pk, 12),
        (applications[1].pk, 25),
        (applications[2].pk, 20),
        (applications[3].pk, 15),
    ]
    assert list(wave.allocations.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4]
    edited = wave.allocations.get(application=applications[0])
    assert edited.planned_quantity == 30
    assert wave.events.filter(kind=WaveEvent.Kind.EDITED).count() == 1


@pytest.mark.parametrize(
    "quantity, message",
    [(9, "entre 10 et 30"), (31, "entre 10 et 30"), (None, "nombre entier"), ("abc", "nombre entier")],
)
def test_quantities_out_of_bounds_are_refused_and_nothing_changes(wave, applications, manager, quantity, message):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    line = wave.allocations.get(application=applications[0])
    other = wave.allocations.get(application=applications[1])
    with pytest.raises(ValidationError) as excinfo:
        services.wave_edit_plan(wave=wave, by=manager, quantities={line.pk: quantity, other.pk: 10})
    assert message in str(excinfo.value.message_dict[f"quantity_{line.pk}"])
    assert quantities(wave)[:2] == [(applications[0].pk, 30), (applications[1].pk, 25)]
    assert not wave.events.filter(kind=WaveEvent.Kind.EDITED).exists()


def test_edit_above_grant_or_capacity_is_refused(marseille, applications, manager):
    ready_units(150)
    wave = WaveFactory(campaign=marseille, capacity=100)
    services.wave_plan(wave=wave, by=manager)
    small = wave.allocations.get(application=applications[4])  # granted 10
    with pytest.raises(ValidationError, match="entre 10 et 10"):
        services.wave_edit_plan(wave=wave, by=manager, quantities={small.pk: 11})
    big = wave.allocations.get(application=applications[3])
    services.wave_edit_plan(wave=wave, by=manager, quantities={big.pk: 10})
    assert wave.allocations.get(pk=big.pk).quantity == 10
    wave.capacity = 90
    wave.save()
    with pytest.raises(ValidationError, match="dépasse la capacité"):
        services.wave_edit_plan(wave=wave, by=manager, quantities={big.pk: 15})


def test_final_lot_allows_quantities_below_the_minimum(marseille, applications, manager):
    ready_units(150)
    wave = WaveFactory(campaign=marseille, capacity=100, is_final_lot=True)
    services.wave_plan(wave=wave, by=manager)
    line = wave.allocations.get(application=applications[0])
    services.wave_edit_plan(wave=wave, by=manager, quantities={line.pk: 3})
    assert wave.allocations.get(pk=line.pk).quantity == 3
    with pytest.raises(ValidationError, match="entre 1 et 30"):
        services.wave_edit_plan(wave=wave, by=manager, quantities={line.pk: 0})


def test_add_an_application_left_out(marseille, applications, manager):
    ready_units(150)
    wave = WaveFactory(campaign=marseille, capacity=60)
    services.wave_plan(wave=wave, by=manager)
    removed = wave.allocations.get(application=applications[1])
    services.wave_edit_plan(wave=wave, by=manager, quantities={}, remove=[removed.pk])
    added = services.wave_add_application(wave=wave, application=applications[3], quantity=15, by=manager)
    assert added.reason.startswith("ajoutée par l'équipe de la campagne : accordé 15, 0 reçu")
    assert added.position == 2
    with pytest.raises(ValidationError, match="déjà dans la proposition"):
        services.wave_add_application(wave=wave, application=applications[3], quantity=15, by=manager)
    with pytest.raises(ValidationError, match="dépasserait la capacité"):
        services.wave_add_application(wave=wave, application=applications[2], quantity=20, by=manager)
    with pytest.raises(ValidationError, match="entre 10 et 10"):
        services.wave_add_application(wave=wave, application=applications[4], quantity=12, by=manager)
    not_approved = approved_application(marseille, 10, status="submitted", granted_quantity=None)
    with pytest.raises(ValidationError, match="candidature acceptée"):
        services.wave_add_application(wave=wave, application=not_approved, quantity=10, by=manager)


def test_editing_a_confirmed_wave_is_refused(wave, applications, manager):
    confirmed_wave(wave, manager)
    line = wave.allocations.first()
    with pytest.raises(DomainError, match="ne peut plus être modifiée"):
        services.wave_edit_plan(wave=wave, by=manager, quantities={line.pk: 10})
    with pytest.raises(DomainError, match="ne peut plus être modifiée"):
        services.wave_add_application(wave=wave, application=applications[0], quantity=10, by=manager)
    wave.capacity = 10
    with pytest.raises(DomainError, match="Seule une vague en préparation"):
        services.wave_save(wave=wave, by=manager, changed=["capacity"])
    assert Wave.objects.get(pk=wave.pk).capacity == 100
    assert wave.allocations.get(pk=line.pk).quantity == line.quantity


def test_wave_save_checks_capacity_against_stock(marseille, manager):
    ready_units(50)
    wave = Wave(campaign=marseille, number=4, capacity=80)
    with pytest.raises(ValidationError, match="dépasse le stock prêt"):
        services.wave_save(wave=wave, by=manager)
    assert not Wave.objects.filter(campaign=marseille, number=4).exists()
    wave.capacity = 50
    services.wave_save(wave=wave, by=manager)
    assert wave.pk and wave.status == W.PLANNING
    assert wave.events.get().kind == WaveEvent.Kind.CREATED
    wave.name = "Printemps"
    services.wave_save(wave=wave, by=manager, changed=["name"])
    assert wave.events.last().note == "nom"


def test_one_final_lot_per_campaign(marseille, manager):
    ready_units(50)
    services.wave_save(wave=Wave(campaign=marseille, number=1, capacity=10, is_final_lot=True), by=manager)
    with pytest.raises(ValidationError, match="déjà un lot final"):
        services.wave_save(wave=Wave(campaign=marseille, number=2, capacity=10, is_final_lot=True), by=manager)


# Confirming: units ----------------------------------------------------------------------------


def test_confirm_reserves_units_and_tells_the_associations(
    wave, applications, manager, django_capture_on_commit_callbacks
):
    member = member_of(applications[0].association, email="membre@example.org")
    result = confirmed_wave(wave, manager, capture=django_capture_on_commit_callbacks)
    wave.refresh_from_db()
    assert wave.status == W.CONFIRMED and wave.confirmed_at
    assert len(result.confirmed) == 5 and not result.refused and result.units == 100
    assert Computer.objects.filter(status="reserved").count() == 100
    assert Computer.objects.filter(status="ready").count() == 100
    for allocation in wave.allocations.all():
        assert allocation.status == A.CONFIRMED
        assert allocation.units.filter(released_at__isnull=True).count() == allocation.quantity
        assert allocation.events.get(kind=AllocationEvent.Kind.STATUS).to_status == A.CONFIRMED
        assert allocation.appointment_status == AP.PROPOSED and allocation.appointment_date
    reserved = set(Computer.objects.filter(status="reserved").values_list("pk", flat=True))
    linked = set(AllocationUnit.objects.values_list("computer_id", flat=True))
    assert reserved == linked
    assert len(mail.outbox) == 5  # one per association
    to_member = next(m for m in mail.outbox if member.email in m.to)
    assert "Attribution confirmée – 30 ordinateurs" in to_member.subject
    assert (
        "Comment ce nombre a été calculé : 30 ordinateurs dans cette vague ; "
        "ce sont tous les 30 ordinateurs accordés." in to_member.body
    )
    assert "priorité" not in to_member.body
    assert "Rendez-vous proposé pour la remise" in to_member.body


def test_after_a_quantity_change_the_association_reads_the_real_quantity_and_what_remains(
    wave, applications, manager, django_capture_on_commit_callbacks
):
    """The manager gives 14 of a grant of 20 in this wave: the reason and the email say 14, and 6 for later."""
    ready_units(200)
    member = member_of(applications[2].association, email="tresoriere@asso.example.org")
    services.wave_plan(wave=wave, by=manager)
    line = wave.allocations.get(application=applications[2])
    assert line.quantity == 20
    services.wave_edit_plan(wave=wave, by=manager, quantities={line.pk: 14})
    expected = (
        "14 ordinateurs dans cette vague (quantité ajustée par l'équipe) ; "
        "6 restent à attribuer dans une prochaine vague"
    )
    line.refresh_from_db()
    assert line.reason == expected  # recorded
    with django_capture_on_commit_callbacks(execute=True):
        services.wave_confirm(wave=wave, by=manager)
    line.refresh_from_db()
    assert line.events.get(kind=AllocationEvent.Kind.STATUS, to_status=A.CONFIRMED).note == expected
    message = next(m for m in mail.outbox if member.email in m.to)
    assert "14 ordinateurs" in message.subject
    assert f"Comment ce nombre a été calculé : {expected}." in message.body  # sent
    for internal in ("accordé 20", "reçu", "priorité"):
        assert internal not in message.body
        assert internal not in message.alternatives[0][0]
    # The others, not adjusted, read their quantity in the same plain words.
    other = next(m for m in mail.outbox if m is not message)
    assert "dans cette vague ; ce sont tous les" in other.body and "priorité" not in other.body


def test_confirm_keeps_one_association_on_one_lot_and_model_oldest_first(wave, applications, manager):
    old = ready_units(12, model="ProDesk 400", manufacturer="HP")
    Computer.objects.filter(pk__in=[c.pk for c in old]).update(
        status_changed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    ready_units(40, model="OptiPlex 7070")
    ready_units(70, model="ThinkCentre M720", manufacturer="Lenovo")
    services.wave_plan(wave=wave, by=manager)
    services.wave_confirm(wave=wave, by=manager)
    for allocation in wave.allocations.all():
        models = set(allocation.units.values_list("computer__lot_id", "computer__model"))
        assert len(models) == 1, allocation
    # The 10-unit allocation fits in the oldest group (12 HP units, ready first).
    smallest = wave.allocations.get(application=applications[4])
    assert set(smallest.units.values_list("computer__model", flat=True)) == {"ProDesk 400"}


def test_confirm_twice_is_refused(wave, applications, manager):
    confirmed_wave(wave, manager)
    with pytest.raises(TransitionError, match="déjà confirmée"):
        services.wave_confirm(wave=wave, by=manager)
    allocation = wave.allocations.first()
    with pytest.raises(TransitionError, match="déjà « Confirmée »"):
        services.allocation_confirm(allocation=allocation, by=manager)
    assert Computer.objects.filter(status="reserved").count() == 100
    assert AllocationUnit.objects.count() == 100


def test_confirm_refused_when_stock_is_short(wave, applications, manager):
    ready_units(120)
    services.wave_plan(wave=wave, by=manager)
    # Stock drops between planning and confirmation (units sent back to the workshop).
    from inventory.services import computers_start_reconditioning

    ids = list(Computer.objects.ready().values_list("pk", flat=True)[:30])
    computers_start_reconditioning(computer_ids=ids, by=manager)
    with pytest.raises(DomainError, match="Stock prêt insuffisant : 100 ordinateurs proposés, 90 prêts"):
        services.wave_confirm(wave=wave, by=manager)
    wave.refresh_from_db()
    assert wave.status == W.PLANNING
    assert not AllocationUnit.objects.exists()
    assert not Computer.objects.filter(status="reserved").exists()


def test_confirm_empty_or_over_capacity_is_refused(wave, applications, manager):
    ready_units(150)
    with pytest.raises(DomainError, match="proposition est vide"):
        services.wave_confirm(wave=wave, by=manager)
    services.wave_plan(wave=wave, by=manager)
    Wave.objects.filter(pk=wave.pk).update(capacity=90)  # capacity lowered after planning
    with pytest.raises(DomainError, match="dépasse la capacité"):
        services.wave_confirm(wave=Wave.objects.get(pk=wave.pk), by=manager)
    assert Wave.objects.get(pk=wave.pk).status == W.PLANNING


def test_confirm_never_exceeds_a_grant_across_waves(marseille, applications, manager):
    ready_units(200)
    first = WaveFactory(campaign=marseille, number=1, capacity=100)
    second = WaveFactory(campaign=marseille, number=2, capacity=100)
    services.wave_plan(wave=first, by=manager)
    # Planning sees the first wave's proposals: the second wave proposes nothing...
    services.wave_plan(wave=second, by=manager)
    assert not second.allocations.exists()
    # ...and adding by hand is refused too.
    with pytest.raises(ValidationError, match="il lui reste 0"):
        services.wave_add_application(wave=second, application=applications[0], quantity=10, by=manager)
    # Whatever wrote it, a second line for the same grant is refused at confirmation.
    Allocation.objects.create(wave=second, application=applications[0], quantity=30, position=1)
    services.wave_confirm(wave=first, by=manager)
    with pytest.raises(DomainError, match="accordé 30, déjà 30 attribués ; 30 de plus dépasserait l'accord"):
        services.wave_confirm(wave=second, by=manager)
    assert Wave.objects.get(pk=second.pk).status == W.PLANNING
    assert Computer.objects.filter(status="reserved").count() == 100


def test_one_leftover_allocation_is_confirmed_alone(wave, applications, manager):
    confirmed_wave(wave, manager, stock=100)
    leftover = Allocation.objects.create(
        wave=wave, application=approved_application(wave.campaign, 12), quantity=12, position=6
    )
    with pytest.raises(DomainError, match="stock prêt insuffisant pour 12 ordinateurs \\(0 disponible"):
        services.allocation_confirm(allocation=leftover, by=manager)
    leftover.refresh_from_db()
    assert leftover.status == A.PROPOSED and not leftover.units.exists()
    ready_units(12)
    services.allocation_confirm(allocation=leftover, by=manager)
    leftover.refresh_from_db()
    assert leftover.status == A.CONFIRMED and leftover.units.count() == 12
    assert leftover.appointment_status == AP.PROPOSED


def test_a_proposal_in_a_wave_being_planned_is_not_confirmed_alone(wave, applications, manager):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    with pytest.raises(DomainError, match="confirmez la vague entière"):
        services.allocation_confirm(allocation=wave.allocations.first(), by=manager)


def test_the_database_refuses_a_unit_in_two_live_allocations(wave, applications, manager):
    confirmed_wave(wave, manager)
    link = AllocationUnit.objects.first()
    other = wave.allocations.exclude(pk=link.allocation_id).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationUnit.objects.create(allocation=other, computer_id=link.computer_id)
    AllocationUnit.objects.filter(pk=link.pk).update(released_at=link.assigned_at)
    AllocationUnit.objects.create(allocation=other, computer_id=link.computer_id)  # released: allowed again


# Cancel, hand over, close ---------------------------------------------------------------------


def test_cancel_releases_the_units(wave, applications, manager, django_capture_on_commit_callbacks):
    confirmed_wave(wave, manager)
    allocation = wave.allocations.get(application=applications[0])
    unit_ids = list(allocation.units.values_list("computer_id", flat=True))
    with pytest.raises(ValidationError, match="motif"):
        services.allocation_cancel(allocation=allocation, by=manager, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.allocation_cancel(allocation=allocation, by=manager, reason="L'association a fermé.")
    allocation.refresh_from_db()
    assert allocation.status == A.CANCELLED and allocation.cancelled_at
    assert set(Computer.objects.filter(pk__in=unit_ids).values_list("status", flat=True)) == {"ready"}
    assert not allocation.units.filter(released_at__isnull=True).exists()
    assert any("annulée" in m.subject.lower() for m in mail.outbox)
    with pytest.raises(TransitionError):
        services.allocation_cancel(allocation=allocation, by=manager, reason="encore")


def test_hand_over_then_close(wave, applications, manager):
    confirmed_wave(wave, manager)
    with pytest.raises(DomainError, match="5 attributions attendent encore"):
        services.wave_close(wave=wave, by=manager)
    allocations = list(wave.allocations.all())
    services.allocation_hand_over(allocation=allocations[0], by=manager)
    wave.refresh_from_db()
    assert wave.status == W.DISTRIBUTING
    assert set(allocations[0].units.values_list("computer__status", flat=True)) == {"handed_over"}
    for allocation in allocations[1:4]:
        services.allocation_hand_over(allocation=allocation, by=manager)
    services.allocation_cancel(allocation=allocations[4], by=manager, reason="Plus de local.")
    services.wave_close(wave=wave, by=manager)
    wave.refresh_from_db()
    assert wave.status == W.CLOSED and wave.closed_at
    assert Computer.objects.filter(status="handed_over").count() == 90
    with pytest.raises(TransitionError):
        services.allocation_hand_over(allocation=allocations[0], by=manager)


def test_closing_cancels_leftover_proposals(wave, applications, manager):
    confirmed_wave(wave, manager)
    leftover = Allocation.objects.create(
        wave=wave, application=approved_application(wave.campaign, 12), quantity=12, position=6
    )
    for allocation in wave.allocations.filter(status=A.CONFIRMED):
        services.allocation_hand_over(allocation=allocation, by=manager)
    services.wave_close(wave=wave, by=manager)
    leftover.refresh_from_db()
    assert leftover.status == A.CANCELLED


# Transition tables ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", list(W))
@pytest.mark.parametrize("target", list(W))
def test_every_wave_transition(wave, manager, source, target):
    from core.transitions import transition

    Wave.objects.filter(pk=wave.pk).update(status=source)
    wave.refresh_from_db()
    if target in services.WAVE_TRANSITIONS[source]:
        transition(wave, to=target, by=manager)
        assert Wave.objects.get(pk=wave.pk).status == target
        event = wave.events.get()
        assert (event.from_status, event.to_status, event.actor) == (source, target, manager)
    else:
        with pytest.raises(TransitionError):
            transition(wave, to=target, by=manager)
        assert Wave.objects.get(pk=wave.pk).status == source
        assert not wave.events.exists()


@pytest.mark.parametrize("source", list(A))
@pytest.mark.parametrize("target", list(A))
def test_every_allocation_transition(wave, applications, manager, source, target):
    from core.transitions import transition_many

    allocation = Allocation.objects.create(wave=wave, application=applications[0], quantity=10, status=source)
    allocation = Allocation.objects.select_related("application__association").get(pk=allocation.pk)
    if target in services.ALLOCATION_TRANSITIONS[source]:
        transition_many([allocation], to=target, by=manager)
        assert Allocation.objects.get(pk=allocation.pk).status == target
        assert allocation.events.get().to_status == target
    else:
        with pytest.raises(TransitionError):
            transition_many([allocation], to=target, by=manager)
        assert Allocation.objects.get(pk=allocation.pk).status == source
        assert not allocation.events.exists()


def test_allocation_transitions_table_is_complete():
    assert set(services.ALLOCATION_TRANSITIONS) == set(A.values)
    assert set(services.WAVE_TRANSITIONS) == set(W.values)
    assert set(services.APPOINTMENT_TRANSITIONS) == set(AP.values)


# Appointments ---------------------------------------------------------------------------------


def test_appointment_accept_and_request_change(wave, applications, manager, django_capture_on_commit_callbacks):
    confirmed_wave(wave, manager)
    member = member_of(applications[0].association, email="membre@example.org")
    allocation = wave.allocations.get(application=applications[0])
    assert allocation.appointment_status == AP.PROPOSED
    services.allocation_appointment_accept(allocation=allocation, by=member)
    allocation.refresh_from_db()
    assert allocation.appointment_status == AP.ACCEPTED
    with pytest.raises(TransitionError, match="déjà confirmé"):
        services.allocation_appointment_accept(allocation=allocation, by=member)
    with pytest.raises(ValidationError):
        services.allocation_appointment_request_change(allocation=allocation, by=member, message="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.allocation_appointment_request_change(
            allocation=allocation, by=member, message="Plutôt le mardi matin."
        )
    allocation.refresh_from_db()
    assert allocation.appointment_status == AP.CHANGE_REQUESTED
    assert allocation.appointment_request == "Plutôt le mardi matin."
    assert [m.to for m in mail.outbox] == [[manager.email]]
    with pytest.raises(TransitionError):
        services.allocation_appointment_accept(allocation=allocation, by=member)
    services.allocation_set_appointment(
        allocation=allocation,
        by=manager,
        date=in_days(20),
        start=datetime.time(10, 0),
        end=datetime.time(10, 30),
        place="",
    )
    allocation.refresh_from_db()
    assert allocation.appointment_status == AP.PROPOSED and allocation.appointment_request == ""
    assert allocation.appointment_place == wave.place
    kinds = list(allocation.events.filter(kind="appointment").values_list("to_status", flat=True))
    assert kinds == [AP.PROPOSED, AP.ACCEPTED, AP.CHANGE_REQUESTED, AP.PROPOSED]


@pytest.mark.parametrize(
    "date, start, end, field",
    [
        (-1, datetime.time(10), datetime.time(11), "appointment_date"),
        (5, datetime.time(11), datetime.time(10), "appointment_end"),
        (5, None, datetime.time(10), "appointment_start"),
    ],
)
def test_appointment_bad_input(wave, applications, manager, date, start, end, field):
    confirmed_wave(wave, manager)
    allocation = wave.allocations.first()
    before = (allocation.appointment_date, allocation.appointment_start)
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_set_appointment(allocation=allocation, by=manager, date=in_days(date), start=start, end=end)
    assert field in excinfo.value.message_dict
    allocation.refresh_from_db()
    assert (allocation.appointment_date, allocation.appointment_start) == before


def test_no_appointment_on_a_proposal(wave, applications, manager):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    with pytest.raises(DomainError, match="attribution confirmée"):
        services.allocation_set_appointment(
            allocation=wave.allocations.first(),
            by=manager,
            date=in_days(3),
            start=datetime.time(9),
            end=datetime.time(10),
        )


def test_no_slot_without_handover_dates(marseille, applications, manager):
    wave = WaveFactory(campaign=marseille, capacity=100, handover_starts_on=None, handover_ends_on=None)
    confirmed_wave(wave, manager)
    assert set(wave.allocations.values_list("appointment_status", flat=True)) == {AP.NONE}


def test_history_rows_cannot_be_changed(wave, applications, manager):
    confirmed_wave(wave, manager)
    event = AllocationEvent.objects.first()
    event.note = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        WaveEvent.objects.first().delete()
    assert T0


# Scale ----------------------------------------------------------------------------------------


def _count_queries(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_plan_and_confirm_query_counts_do_not_grow_with_associations(marseille, manager):
    """100 units to 4 associations or to 10 (and 40 candidates): the same number of queries."""
    ready_units(300)
    counts = []
    for number, (lines, grant, extra) in enumerate([(4, 25, 0), (10, 10, 30)], start=1):
        campaign = marseille if number == 1 else WaveFactory().campaign
        for _ in range(lines):
            approved_application(campaign, grant)
        wave = WaveFactory(campaign=campaign, capacity=100, handover_starts_on=None, handover_ends_on=None)
        for _ in range(extra):  # candidates the wave has no room for
            approved_application(campaign, 10, approved_at=T0.replace(year=2030))
        plan_queries = _count_queries(lambda w=wave: services.wave_plan(wave=w, by=manager))
        confirm_queries = _count_queries(lambda w=wave: services.wave_confirm(wave=w, by=manager))
        assert wave.allocations.filter(status=A.CONFIRMED).count() == lines
        counts.append((plan_queries, confirm_queries))
    assert counts[0] == counts[1], counts


def test_partial_hand_over_puts_the_refused_units_back(wave, applications, manager):
    confirmed_wave(wave, manager)
    allocation = wave.allocations.get(application=applications[0])
    units = list(allocation.units.order_by("computer_id").values_list("computer_id", flat=True))
    outsider = Computer.objects.filter(status="ready").first()
    with pytest.raises(DomainError, match="ne font pas partie"):
        services.allocation_hand_over(allocation=allocation, by=manager, refused_computer_ids=[outsider.pk])
    with pytest.raises(DomainError, match="Tous les ordinateurs sont refusés"):
        services.allocation_hand_over(allocation=allocation, by=manager, refused_computer_ids=units)
    with pytest.raises(DomainError, match="Indiquez pourquoi"):
        services.allocation_hand_over(allocation=allocation, by=manager, refused_computer_ids=units[:2])
    services.allocation_hand_over(
        allocation=allocation, by=manager, refusal_note="Écran cassé", refused_computer_ids=units[:2]
    )
    allocation.refresh_from_db()
    assert allocation.status == A.HANDED_OVER and allocation.quantity == 28
    # Refused units go back to the workshop, not to the ready stock.
    assert set(Computer.objects.filter(pk__in=units[:2]).values_list("status", flat=True)) == {"reconditioning"}
    assert Computer.objects.filter(pk__in=units[2:], status="handed_over").count() == 28
    assert allocation.units.filter(released_at__isnull=True).count() == 28
    # The 2 refused units count as not received: a later wave may make up for them.
    from donations.selectors import planning_candidates

    later = WaveFactory(campaign=wave.campaign, number=2, capacity=10, is_final_lot=True)
    candidate = next(c for c in planning_candidates(later) if c.application_id == applications[0].pk)
    assert (candidate.received, candidate.remaining) == (28, 2)


def test_hand_over_recorded_afterwards_keeps_its_date(wave, applications, manager):
    import datetime as dt

    from django.utils import timezone

    confirmed_wave(wave, manager)
    allocation = wave.allocations.first()
    with pytest.raises(DomainError, match="dans le futur"):
        services.allocation_hand_over(
            allocation=allocation, by=manager, handed_over_at=timezone.now() + dt.timedelta(days=1)
        )
    when = timezone.now() - dt.timedelta(days=3)
    services.allocation_hand_over(allocation=allocation, by=manager, handed_over_at=when)
    allocation.refresh_from_db()
    assert allocation.handed_over_at == when
