"""Allocations: reserving concrete units on confirmation, cancelling, handing over, appointments.

Every status change goes through ``core.transitions`` and ``Allocation.TRANSITIONS``; every
appointment change through ``_appointment`` and ``Allocation.APPOINTMENT_TRANSITIONS``. Each writes an
append-only ``AllocationEvent``. Units change status only through the inventory services.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from associations.selectors import association_recipients
from core.emails import notify, notify_many
from core.errors import DomainError, TransitionError
from core.models import actor_label
from core.textlimits import limit_text
from core.transitions import transition, transition_many
from donations.hooks import allocations_confirmed
from donations.models import (
    APPOINTMENT_REQUEST_MAX,
    Allocation,
    AllocationEvent,
    AllocationUnit,
    HandoverSlot,
    Wave,
)
from donations.planner import Unit, UnitPool, explain_quantity
from donations.planner import quantity_floor as planner_quantity_floor
from donations.services._common import french, organiser_of_wave, ready_units_of
from donations.services.slots import book_wave_slots, lock_free_slot

S = Allocation.Status
AP = Allocation.Appointment

TRANSITIONS = Allocation.TRANSITIONS
APPOINTMENT_TRANSITIONS = Allocation.APPOINTMENT_TRANSITIONS
CONFIRMABLE_WAVE_STATUSES = Wave.CONFIRMABLE_STATUSES

# How many times the unit picker retries when concurrent confirmations took its first choice.
_LOCK_ROUNDS = 8
# Ids per locking query when the database caps the parameters of one statement (SQLite: 999).
_CHUNK_WITHOUT_CAP = 50_000


def lock_allocations(ids: Sequence[int]) -> list[Allocation]:
    """Lock allocations in pk order (no deadlock between two confirmations), with what they need."""
    return list(
        Allocation.objects.filter(pk__in=list(ids))
        .select_related("wave__campaign", "application__association")
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def _lock(allocation: Allocation) -> Allocation:
    locked = lock_allocations([allocation.pk])
    if not locked:
        raise DomainError(_("Cette attribution n'existe plus."))
    return locked[0]


# Confirmation: grants and units ----------------------------------------------------------------


@dataclass
class ConfirmResult:
    confirmed: list[Allocation] = field(default_factory=list)
    refused: list[tuple[Allocation, str]] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(a.quantity for a in self.confirmed)


def quantity_floor(wave: Wave) -> int:
    """The smallest allocation of ``wave`` (the planner's rule: the campaign's minimum, or 1 in the final lot)."""
    return planner_quantity_floor(minimum=wave.campaign.min_per_association, final_lot=wave.is_final_lot)


def _grant_problems(allocations: Sequence[Allocation]) -> dict[int, str]:
    """Allocations that would exceed their grant (or the campaign bounds), with the reason."""
    from associations.models import Application

    app_ids = sorted({a.application_id for a in allocations})
    # Serialises confirmations for the same association across waves.
    applications = {
        app.pk: app
        for app in Application.objects.filter(pk__in=app_ids).select_for_update().order_by("pk").only("pk", "status")
    }
    holding = dict(
        Allocation.objects.holding_units()
        .filter(application_id__in=app_ids)
        .exclude(pk__in=[a.pk for a in allocations])
        .values("application_id")
        .annotate(n=Sum("quantity"))
        .values_list("application_id", "n")
    )
    problems: dict[int, str] = {}
    for allocation in sorted(allocations, key=lambda a: (a.position, a.pk)):
        application = allocation.application
        campaign = allocation.wave.campaign
        name = application.association.legal_name
        locked = applications.get(application.pk)
        if locked is None or locked.status != Application.Status.APPROVED:
            problems[allocation.pk] = _("%(association)s : la candidature n'est plus acceptée.") % {"association": name}
            continue
        floor = quantity_floor(allocation.wave)
        if not floor <= allocation.quantity <= campaign.max_per_association:
            problems[allocation.pk] = _("%(association)s : %(quantity)s hors des bornes (%(min)s à %(max)s).") % {
                "association": name,
                "quantity": allocation.quantity,
                "min": floor,
                "max": campaign.max_per_association,
            }
            continue
        held = holding.get(application.pk, 0)
        if held + allocation.quantity > (application.granted_quantity or 0):
            problems[allocation.pk] = _(
                "%(association)s : accordé %(granted)s, déjà %(held)s attribués ; "
                "%(quantity)s de plus dépasserait l'accord."
            ) % {
                "association": name,
                "granted": application.granted_quantity,
                "held": held,
                "quantity": allocation.quantity,
            }
            continue
        holding[application.pk] = held + allocation.quantity
    return problems


def _ready_units(organiser_id: int | None = None) -> list[Unit]:
    from inventory.models import Computer

    ready = ready_units_of(organiser_id, Computer.objects.ready())
    rows = ready.values_list("pk", "lot_id", "manufacturer", "model", "status_changed_at")
    return [Unit(*row) for row in rows.iterator(chunk_size=5000)]


def _lock_ready(ids: Sequence[int]) -> set[int]:
    """Lock the units among ``ids`` still ready; units locked by a concurrent confirmation are skipped."""
    from inventory.models import Computer

    got: set[int] = set()
    skip_locked = connection.features.has_select_for_update_skip_locked
    size = connection.features.max_query_params or _CHUNK_WITHOUT_CAP
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        qs = Computer.objects.ready().filter(pk__in=chunk).order_by("pk")
        qs = qs.select_for_update(skip_locked=True) if skip_locked else qs.select_for_update()
        got.update(qs.values_list("pk", flat=True))
    return got


def _pick_units(allocations: Sequence[Allocation]) -> tuple[dict[int, list[int]], dict[int, str]]:
    """Choose and lock units for each allocation; an allocation gets all its units or none."""
    # A wave draws only from the stock of its campaign's organiser (one wave per call: the first one's).
    units = _ready_units(organiser_of_wave(allocations[0].wave))
    pool = UnitPool(units)
    chosen: dict[int, list[int]] = {}
    short: dict[int, str] = {}

    def refuse_short(allocation: Allocation) -> None:
        short[allocation.pk] = ngettext(
            "%(association)s : stock prêt insuffisant pour %(quantity)s ordinateur (%(left)s disponible) : "
            "rien n'est attribué.",
            "%(association)s : stock prêt insuffisant pour %(quantity)s ordinateurs (%(left)s disponibles) : "
            "rien n'est attribué.",
            allocation.quantity,
        ) % {
            "association": allocation.application.association.legal_name,
            "quantity": allocation.quantity,
            "left": len(pool),
        }

    for allocation in allocations:
        ids = pool.take(allocation.quantity)
        if ids is None:
            refuse_short(allocation)
        else:
            chosen[allocation.pk] = ids
    locked: set[int] = set()
    for _round in range(_LOCK_ROUNDS):
        wanted = [i for ids in chosen.values() for i in ids if i not in locked]
        if not wanted:
            break
        got = _lock_ready(wanted)
        locked |= got
        lost = set(wanted) - got
        if not lost:
            break
        # Someone else took these meanwhile: top up from what is left, in the same order.
        pool.discard(lost)
        for allocation in allocations:
            ids = chosen.get(allocation.pk)
            if ids is None or lost.isdisjoint(ids):
                continue
            kept = [i for i in ids if i not in lost]
            extra = pool.take(allocation.quantity - len(kept))
            if extra is None:
                del chosen[allocation.pk]
                refuse_short(allocation)
            else:
                chosen[allocation.pk] = kept + extra
    for allocation in allocations:
        ids = chosen.get(allocation.pk)
        if ids is not None and not locked.issuperset(ids):
            del chosen[allocation.pk]
            refuse_short(allocation)
    return chosen, short


def confirm_allocations(allocations: Sequence[Allocation], *, by, note: str = "") -> ConfirmResult:
    """Reserve units for locked, proposed allocations, each entirely or not at all.

    Must run inside a transaction. Query count does not depend on the number of allocations:
    one read of the ready stock, a few locking queries, one bulk reservation, bulk inserts.
    """
    from inventory.services import computers_reserve

    allocations = sorted(allocations, key=lambda a: (a.position, a.pk))
    for allocation in allocations:
        TRANSITIONS.check(allocation, S.CONFIRMED)
    result = ConfirmResult()
    problems = _grant_problems(allocations)
    candidates = [a for a in allocations if a.pk not in problems]
    chosen, short = _pick_units(candidates) if candidates else ({}, {})
    problems.update(short)
    result.refused = [(a, problems[a.pk]) for a in allocations if a.pk in problems]
    result.confirmed = [a for a in allocations if a.pk in chosen]
    if not result.confirmed:
        return result
    all_ids = [i for a in result.confirmed for i in chosen[a.pk]]
    computers_reserve(computer_ids=all_ids, by=by, note=note)
    now = timezone.now()
    AllocationUnit.objects.bulk_create(
        [AllocationUnit(allocation=a, computer_id=i, assigned_at=now) for a in result.confirmed for i in chosen[a.pk]],
    )
    # The history keeps what the association is told (the same words as its email).
    notes = explain_allocations(result.confirmed)
    transition_many(result.confirmed, to=S.CONFIRMED, by=by, notes=notes, confirmed_at=now)
    # The apps above react in this transaction: each confirmed allocation gets its handover certificate
    # (pending; certificates.apps subscribes), rendered by a worker after commit or later by the sweep.
    allocations_confirmed.fire(allocation_ids=[a.pk for a in result.confirmed], by=by)
    return result


def schedule_appointments(allocations: Sequence[Allocation], *, wave: Wave, by) -> int:
    """Book a handover slot for each confirmed allocation without an appointment, in planning order.

    Slots are filled in time order up to their places (the desk serves that many associations at once),
    under a lock on the wave's slots. Raises ``DomainError`` when the schedule has fewer free places than
    allocations to receive (the caller's transaction then writes nothing). Without handover days, nothing
    is booked: the team sets the appointments by hand.
    """
    todo = [a for a in allocations if a.appointment_status == AP.NONE and a.status == S.CONFIRMED]
    if not todo:
        return 0
    chosen = book_wave_slots(wave, len(todo))
    if chosen is None:
        return 0
    label = actor_label(by)
    now = timezone.now()
    events = []
    for allocation, slot in zip(todo, chosen, strict=True):
        APPOINTMENT_TRANSITIONS.check(allocation, AP.PROPOSED)
        events.append(
            AllocationEvent(
                allocation=allocation,
                actor=by,
                actor_label=label,
                kind=AllocationEvent.Kind.APPOINTMENT,
                from_status=allocation.appointment_status,
                to_status=AP.PROPOSED,
                note=f"{slot.date:%d/%m/%Y} {slot.start:%H:%M}–{slot.end:%H:%M}",
                created_at=now,
            )
        )
        allocation.appointment_status = AP.PROPOSED
        allocation.slot_id = slot.pk
        allocation.appointment_date, allocation.appointment_start = slot.date, slot.start
        allocation.appointment_end = slot.end
        allocation.appointment_place = wave.place
    # One UPDATE (CASE per row), whatever the number of allocations.
    Allocation.objects.bulk_update(
        todo,
        [
            "slot",
            "appointment_date",
            "appointment_start",
            "appointment_end",
            "appointment_status",
            "appointment_place",
        ],
    )
    AllocationEvent.objects.bulk_create(events)
    return len(todo)


def explain_allocations(allocations: Sequence[Allocation], *, in_french: bool = True) -> dict[int, str]:
    """Each allocation's quantity in plain words, as the association reads it (one query for all).

    Its actual quantity (adjusted by the team or not), what its other waves already give it, and
    what remains of its grant for a later wave; never the planner's internal « accordé X, Y reçu,
    priorité Z ». Kept on the allocation for the confirmation's history and email (in French, the
    history's language); ``in_french=False`` writes it in the active language, for a page.
    """
    todo = [a for a in allocations if not hasattr(a, "_explanation")]
    if todo:
        elsewhere = dict(
            Allocation.objects.holding_units()
            .filter(application_id__in={a.application_id for a in todo})
            .exclude(wave_id__in={a.wave_id for a in todo})
            .values("application_id")
            .annotate(n=Sum("quantity"))
            .values_list("application_id", "n")
        )
        with french() if in_french else contextlib.nullcontext():
            for allocation in todo:
                allocation._elsewhere = elsewhere.get(allocation.application_id, 0)
                if allocation.planned_quantity is None:
                    set_by_team = "added"
                elif allocation.planned_quantity != allocation.quantity:
                    set_by_team = "adjusted"
                else:
                    set_by_team = ""
                allocation._explanation = explain_quantity(
                    quantity=allocation.quantity,
                    granted=allocation.application.granted_quantity or 0,
                    elsewhere=elsewhere.get(allocation.application_id, 0),
                    set_by_team=set_by_team,
                    final_lot=allocation.wave.is_final_lot,
                )
    return {a.pk: a._explanation for a in allocations}


def _allocation_context(allocation: Allocation) -> dict:
    """An allocation's email context: data (numbers, ISO dates), put in words in the recipient's language by the
    template (``{% load french donation_words %}``); ``wave`` and ``reason`` stay for the staff's emails."""
    application = allocation.application
    wave = allocation.wave
    set_by_team = ""
    if allocation.planned_quantity is None:
        set_by_team = "added"
    elif allocation.planned_quantity != allocation.quantity:
        set_by_team = "adjusted"
    return {
        "association": application.association.legal_name,
        "campaign": wave.campaign.name,
        "wave": str(wave),
        "wave_number": wave.number,
        "wave_final": wave.is_final_lot,
        "wave_name": wave.name,
        "quantity": allocation.quantity,
        "granted": application.granted_quantity or 0,
        "elsewhere": getattr(allocation, "_elsewhere", 0),
        "set_by_team": set_by_team,
        "reason": getattr(allocation, "_explanation", ""),
        "appointment_date": allocation.appointment_date.isoformat() if allocation.appointment_date else "",
        "appointment_start": allocation.appointment_start.strftime("%H:%M") if allocation.appointment_start else "",
        "appointment_end": allocation.appointment_end.strftime("%H:%M") if allocation.appointment_end else "",
        "appointment_place": allocation.appointment_place,
        "application_path": application.get_absolute_url(),
        "contact_email": allocation.wave.campaign.contact_email,
    }


def notify_confirmed(allocations: Sequence[Allocation]) -> None:
    """Tell each association its allocation is confirmed (members fetched in one query)."""
    from associations.models import Membership

    by_association = defaultdict(list)
    association_ids = {a.application.association_id for a in allocations}
    for membership in Membership.objects.filter(association_id__in=association_ids).select_related("user"):
        by_association[membership.association_id].append(membership)
    explain_allocations(allocations)
    notices = []
    for allocation in allocations:
        association = allocation.application.association
        recipients = association_recipients(association, by_association.get(association.pk, []))
        # The appointment as an .ics file, when one is set (a fresh appointment: its first version).
        attachment = None
        if allocation.appointment_date is not None:
            from donations import calendar

            with french():
                event = calendar.allocation_appointment(allocation)
            attachment = (calendar.filename(allocation), calendar.render(event, now=timezone.now()), calendar.MIME_TYPE)
        notices.append((recipients, "allocation_confirmed", _allocation_context(allocation), attachment))
    notify_many(notices)  # one insert into the outbox


# One allocation at a time ---------------------------------------------------------------------


@transaction.atomic
def allocation_confirm(*, allocation: Allocation, by) -> Allocation:
    """Confirm one proposed allocation of a confirmed wave: all its units are reserved, or none."""
    allocation = _lock(allocation)
    TRANSITIONS.check(allocation, S.CONFIRMED)
    wave = allocation.wave
    if wave.status not in CONFIRMABLE_WAVE_STATUSES:
        raise DomainError(
            _("La vague est « %(status)s » : confirmez la vague entière depuis sa page de planification.")
            % {"status": wave.get_status_display()}
        )
    result = confirm_allocations([allocation], by=by, note=str(wave))
    if result.refused:
        raise DomainError(result.refused[0][1])
    schedule_appointments(result.confirmed, wave=wave, by=by)
    notify_confirmed(result.confirmed)
    return allocation


def _live_unit_ids(allocation: Allocation) -> list[int]:
    return list(allocation.units.filter(released_at__isnull=True).order_by("pk").values_list("computer_id", flat=True))


@transaction.atomic
def allocation_swap_unit(
    *, allocation: Allocation, faulty_id: int, replacement_id: int, by, note: str = ""
) -> Allocation:
    """Swap a handed-over unit for a ready one in the same allocation (after-sales replacement, support app).

    The faulty unit's link is released and the replacement gets a live link in the same allocation, as
    « handed over »; the faulty unit goes back to reconditioning (wiped again before it is ready). The
    partial unique constraint ``one_live_allocation_per_computer`` refuses a unit already live elsewhere,
    whatever happens concurrently: the replacement is locked ready first, so a second swap with the same
    unit waits, then finds it no longer ready and is refused.
    """
    from donations.models import AllocationEvent, AllocationUnit
    from inventory.models import Computer
    from inventory.services import computers_hand_over, computers_reserve, computers_return_faulty

    allocation = _lock(allocation)
    if allocation.status != S.HANDED_OVER:
        raise DomainError(_("Seul un ordinateur d'une attribution remise peut être remplacé."))
    link = (
        AllocationUnit.objects.select_for_update()
        .filter(allocation=allocation, computer_id=faulty_id, released_at__isnull=True)
        .first()
    )
    if link is None:
        raise DomainError(_("Cet ordinateur ne fait plus partie de cette attribution."))
    if replacement_id == faulty_id:
        raise DomainError(_("Choisissez un autre ordinateur que celui en panne."))
    # reserve: locks the replacement and refuses it unless it is ready (a TransitionError naming it).
    computers_reserve(computer_ids=[replacement_id], by=by, note=note)
    now = timezone.now()
    link.released_at = now
    link.save(update_fields=["released_at"])
    try:
        with transaction.atomic():
            AllocationUnit.objects.create(allocation=allocation, computer_id=replacement_id, assigned_at=now)
    except IntegrityError:
        raise DomainError(_("Cet ordinateur est déjà attribué à une autre association.")) from None
    computers_hand_over(computer_ids=[replacement_id], by=by, note=note)
    computers_return_faulty(computer_ids=[faulty_id], by=by, note=note)
    names = dict(Computer.objects.filter(pk__in=[faulty_id, replacement_id]).values_list("pk", "asset_tag"))
    AllocationEvent.record(
        allocation=allocation,
        by=by,
        kind=AllocationEvent.Kind.UNITS,
        note=_("%(faulty)s remplacé par %(replacement)s")
        % {"faulty": names[faulty_id], "replacement": names[replacement_id]}
        + (f" ({note})" if note else ""),
    )
    return allocation


@transaction.atomic
def allocation_cancel(*, allocation: Allocation, by, reason: str = "") -> Allocation:
    """Cancel an allocation; its reserved units go back to the ready stock."""
    from inventory.services import computers_release

    allocation = _lock(allocation)
    was_confirmed = allocation.status == S.CONFIRMED
    if was_confirmed and not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation : il est envoyé à l'association.")})
    TRANSITIONS.check(allocation, S.CANCELLED)
    unit_ids = _live_unit_ids(allocation)
    if unit_ids:
        computers_release(computer_ids=unit_ids, by=by, note=_("Attribution annulée : %(reason)s") % {"reason": reason})
        allocation.units.filter(released_at__isnull=True).update(released_at=timezone.now())
    transition_many([allocation], to=S.CANCELLED, by=by, note=reason, cancelled_at=timezone.now())
    if was_confirmed:
        association = allocation.application.association
        notify(
            association_recipients(association),
            "allocation_cancelled",
            {**_allocation_context(allocation), "cancel_reason": reason},
        )
    return allocation


@transaction.atomic
def allocation_hand_over(
    *,
    allocation: Allocation,
    by,
    note: str = "",
    refused_computer_ids: Iterable[int] = (),
    refusal_note: str = "",
    handed_over_at: datetime.datetime | None = None,
) -> Allocation:
    """Record that the association collected its units: they become « handed over ».

    A unit refused on the spot leaves the allocation and goes back to reconditioning, with
    ``refusal_note`` (why) in its history: it cannot be allocated again before the stock operator
    checked it. The allocation's quantity becomes what was actually handed over (so a later wave
    may make up for it). ``handed_over_at`` is when it happened, when recorded afterwards (default: now).
    """
    from donations.services.waves import wave_start_distribution
    from inventory.services import computers_hand_over, computers_refuse_at_handover

    allocation = _lock(allocation)
    TRANSITIONS.check(allocation, S.HANDED_OVER)
    unit_ids = _live_unit_ids(allocation)
    if len(unit_ids) != allocation.quantity:
        raise DomainError(
            _("L'attribution compte %(units)s ordinateurs pour %(quantity)s prévus : vérifiez-la avant la remise.")
            % {"units": len(unit_ids), "quantity": allocation.quantity}
        )
    try:
        refused = sorted({int(pk) for pk in refused_computer_ids})
    except (TypeError, ValueError):
        raise DomainError(_("Sélection d'ordinateurs invalide.")) from None
    if set(refused) - set(unit_ids):
        raise DomainError(_("Ces ordinateurs ne font pas partie de cette attribution."))
    handed = [pk for pk in unit_ids if pk not in set(refused)]
    if not handed:
        raise DomainError(_("Tous les ordinateurs sont refusés : annulez plutôt l'attribution."))
    now = timezone.now()
    if handed_over_at is not None and handed_over_at > now:
        raise DomainError(_("La date de la remise ne peut pas être dans le futur."))
    changes = {"handed_over_at": handed_over_at or now}
    if refused:
        reason = (refusal_note or "").strip()
        if not reason:
            raise DomainError(_("Indiquez pourquoi ces ordinateurs ont été refusés."))
        computers_refuse_at_handover(
            computer_ids=refused,
            by=by,
            note=_("Refusé à la remise (%(wave)s) : %(reason)s") % {"wave": allocation.wave, "reason": reason},
        )
        allocation.units.filter(computer_id__in=refused, released_at__isnull=True).update(released_at=now)
        changes["quantity"] = len(handed)
    computers_hand_over(computer_ids=handed, by=by, note=note or str(allocation.wave))
    transition_many([allocation], to=S.HANDED_OVER, by=by, note=note, **changes)
    if allocation.wave.status == Wave.Status.CONFIRMED:
        wave_start_distribution(wave=allocation.wave, by=by)
    return allocation


# Appointments ---------------------------------------------------------------------------------


def _appointment(allocation: Allocation, *, to: str, by, note: str = "", **changes) -> None:
    if allocation.status != S.CONFIRMED:
        raise DomainError(_("Le rendez-vous ne concerne qu'une attribution confirmée, pas encore remise."))
    transition(allocation, to=to, by=by, note=note, table=APPOINTMENT_TRANSITIONS, **changes)


@transaction.atomic
def allocation_set_appointment(
    *, allocation: Allocation, by, date: datetime.date, start: datetime.time, end: datetime.time, place: str = ""
) -> Allocation:
    """A manager proposes (or moves) the handover slot; the association is told and answers."""
    errors = {}
    if date is None:
        errors["appointment_date"] = _("Indiquez la date du rendez-vous.")
    elif date < timezone.localdate():
        errors["appointment_date"] = _("La date du rendez-vous est passée.")
    if start is None or end is None:
        errors["appointment_start"] = _("Indiquez le début et la fin du créneau.")
    elif start >= end:
        errors["appointment_end"] = _("La fin du créneau doit suivre son début.")
    if errors:
        raise ValidationError(errors)
    allocation = _lock(allocation)
    place = (place or "").strip() or allocation.appointment_place or allocation.wave.place
    # A time of the wave's schedule books that slot, within its places; any other time is outside the schedule.
    slot_id = (
        HandoverSlot.objects.filter(wave_id=allocation.wave_id, date=date, start=start, end=end)
        .values_list("pk", flat=True)
        .first()
    )
    if slot_id is not None and slot_id != allocation.slot_id:
        try:
            lock_free_slot(allocation, slot_id, allow_past=True)
        except DomainError as exc:
            raise ValidationError({"appointment_start": str(exc)}) from None
    _appointment(
        allocation,
        to=AP.PROPOSED,
        by=by,
        note=f"{date:%d/%m/%Y} {start:%H:%M}–{end:%H:%M}, {place}",
        appointment_date=date,
        appointment_start=start,
        appointment_end=end,
        appointment_place=place,
        appointment_request="",
        slot_id=slot_id,
    )
    _notify_appointment(allocation, "allocation_appointment")
    return allocation


@transaction.atomic
def allocation_book_slot(*, allocation: Allocation, slot_id: int, by) -> Allocation:
    """The association picks (or changes) its handover slot among the free ones of its wave: first come, first
    served. The slot is locked and its bookings counted under the lock, so that two associations choosing its
    last place at the same moment cannot both get it (the second is told to choose another)."""
    allocation = _lock(allocation)
    if allocation.status != S.CONFIRMED:
        raise DomainError(_("Le rendez-vous ne concerne qu'une attribution confirmée, pas encore remise."))
    if allocation.slot_id == slot_id and allocation.appointment_status == AP.ACCEPTED:
        raise DomainError(_("C'est déjà votre créneau."))
    slot = lock_free_slot(allocation, slot_id)
    _appointment(
        allocation,
        to=AP.ACCEPTED,
        by=by,
        note=_("créneau choisi par l'association : %(slot)s") % {"slot": slot},
        slot_id=slot.pk,
        appointment_date=slot.date,
        appointment_start=slot.start,
        appointment_end=slot.end,
        appointment_place=allocation.appointment_place or allocation.wave.place,
        appointment_request="",
    )
    _notify_appointment(allocation, "allocation_slot_booked")
    return allocation


def _notify_appointment(allocation: Allocation, template: str) -> None:
    """The association's members get ``template`` about the allocation, with the appointment as an .ics file."""
    notify(
        association_recipients(allocation.application.association),
        template,
        _allocation_context(allocation),
        attachment=appointment_ics(allocation),
    )


def appointment_sequence(allocation: Allocation) -> int:
    """How many times the appointment changed: the iCalendar SEQUENCE (a calendar then replaces the event)."""
    return max(0, allocation.events.filter(kind=AllocationEvent.Kind.APPOINTMENT).count() - 1)


def appointment_ics(allocation: Allocation, *, in_french: bool = True) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of the allocation's appointment as an .ics file."""
    from donations import calendar

    with french() if in_french else contextlib.nullcontext():
        event = calendar.allocation_appointment(allocation, sequence=appointment_sequence(allocation))
    return calendar.filename(allocation), calendar.render(event, now=timezone.now()), calendar.MIME_TYPE


@transaction.atomic
def allocation_appointment_accept(*, allocation: Allocation, by) -> Allocation:
    """The association confirms it will come at the proposed slot."""
    allocation = _lock(allocation)
    if allocation.appointment_status == AP.ACCEPTED:
        raise TransitionError(_("Vous avez déjà confirmé ce rendez-vous."))
    if allocation.appointment_status != AP.PROPOSED:
        # After asking for another slot, the association picks a free one (allocation_book_slot) or waits.
        raise TransitionError(_("Aucun créneau proposé à confirmer : choisissez un créneau libre."))
    _appointment(allocation, to=AP.ACCEPTED, by=by)
    return allocation


@transaction.atomic
def allocation_appointment_request_change(*, allocation: Allocation, by, message: str) -> Allocation:
    """The association asks for another slot; the campaign managers are told by email."""
    from accounts import roles

    if not message or not message.strip():
        raise ValidationError({"message": _("Indiquez les jours et heures qui vous conviendraient.")})
    if len(message.strip()) > APPOINTMENT_REQUEST_MAX:
        raise ValidationError({"message": str(limit_text(APPOINTMENT_REQUEST_MAX))})
    allocation = _lock(allocation)
    _appointment(allocation, to=AP.CHANGE_REQUESTED, by=by, note=message, appointment_request=message.strip())
    managers = get_user_model().objects.filter(groups__name=roles.CAMPAIGN_MANAGER, is_active=True).distinct()
    notify(
        {m.email: m.language for m in managers},
        "allocation_slot_requested",
        {**_allocation_context(allocation), "message": message.strip(), "admin_path": allocation.get_admin_url()},
    )
    return allocation


# Reminders ------------------------------------------------------------------------------------

REMINDER_DAYS_BEFORE = 2


def appointment_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind each association of its handover appointment two days before (or the day before, when the
    run two days before was missed or the appointment was booked later). Exactly once per appointment:
    the ``AppointmentReminder`` row (unique per allocation, day and time) is written in the same transaction
    as the email is queued; a second run, or a second worker, finds it and sends nothing.
    """
    from associations.models import Membership
    from donations.models import AppointmentReminder

    now = now or timezone.now()
    today = timezone.localdate(now)
    due = list(
        Allocation.objects.filter(
            status=S.CONFIRMED,
            appointment_status__in=[AP.PROPOSED, AP.ACCEPTED],
            appointment_date__gt=today,
            appointment_date__lte=today + datetime.timedelta(days=REMINDER_DAYS_BEFORE),
        )
        .select_related("wave__campaign", "application__association")
        .order_by("appointment_date", "appointment_start", "pk")
    )
    sent_before = set(
        AppointmentReminder.objects.filter(allocation__in=due).values_list(
            "allocation_id", "appointment_date", "appointment_start"
        )
    )
    todo = [a for a in due if (a.pk, a.appointment_date, a.appointment_start) not in sent_before]
    members = defaultdict(list)
    for membership in Membership.objects.filter(
        association_id__in={a.application.association_id for a in todo}
    ).select_related("user"):
        members[membership.association_id].append(membership)
    sent = 0
    for allocation in todo:
        try:
            with transaction.atomic():
                AppointmentReminder.objects.create(
                    allocation=allocation,
                    appointment_date=allocation.appointment_date,
                    appointment_start=allocation.appointment_start,
                    sent_at=now,
                )
                association = allocation.application.association
                notify(
                    association_recipients(association, members.get(association.pk, [])),
                    "allocation_appointment_reminder",
                    _allocation_context(allocation),
                    attachment=appointment_ics(allocation),
                )
        except IntegrityError:  # another worker sent it a moment ago
            continue
        sent += 1
    return sent
