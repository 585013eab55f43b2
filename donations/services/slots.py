"""The handover schedule of a wave: its slots (days, opening hours, places) and the bookings made in them.

A slot's places are how many associations the desk serves at once. Every booking locks the slots it uses
(``select_for_update``, in pk order) and counts their bookings under that lock, so that two bookings made
at the same moment can never put more associations in a slot than it has places.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError
from donations.models import HOLDING_UNITS_STATUSES, Allocation, HandoverSlot, Wave, WaveEvent
from donations.planner import assign_slots, handover_days, parse_opening_hours, slot_times
from donations.services._common import french


@dataclass(frozen=True)
class SlotTime:
    pk: int
    date: datetime.date
    start: datetime.time
    end: datetime.time
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def schedule_times(wave: Wave) -> list[tuple[datetime.date, datetime.time, datetime.time]]:
    """The slots the wave's settings describe (working days of its handover dates, opening hours, slot length)."""
    if wave.handover_starts_on is None:
        return []
    days = handover_days(wave.handover_starts_on, wave.handover_ends_on)
    return slot_times(days, parse_opening_hours(wave.opening_hours), wave.slot_minutes)


def _create_missing(wave: Wave) -> int:
    existing = set(wave.slots.values_list("date", "start"))
    new = [
        HandoverSlot(wave=wave, date=day, start=start, end=end, capacity=wave.desk_capacity)
        for day, start, end in schedule_times(wave)
        if (day, start) not in existing
    ]
    HandoverSlot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def wave_slots_generate(*, wave: Wave, by) -> int:
    """Create the slots of the wave's schedule that do not exist yet (existing slots and bookings are kept)."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.handover_starts_on is None:
        raise DomainError(_("Indiquez d'abord le premier jour de remise de la vague."))
    created = _create_missing(wave)
    if created:
        with french():
            note = ngettext("%(n)s créneau de remise créé", "%(n)s créneaux de remise créés", created) % {"n": created}
        WaveEvent.record(wave=wave, by=by, kind=WaveEvent.Kind.UPDATED, note=note)
    return created


def locked_slots(wave: Wave, *, slot_ids: Sequence[int] | None = None) -> list[SlotTime]:
    """Lock the wave's slots (pk order: no deadlock between two bookings), then count their bookings.

    The counting query runs after the lock: a booking committed meanwhile by someone else is seen.
    """
    qs = HandoverSlot.objects.filter(wave=wave)
    if slot_ids is not None:
        qs = qs.filter(pk__in=list(slot_ids))
    rows = list(qs.select_for_update().order_by("pk").values_list("pk", "date", "start", "end", "capacity"))
    booked = dict(
        Allocation.objects.filter(slot_id__in=[r[0] for r in rows], status__in=HOLDING_UNITS_STATUSES)
        .order_by()
        .values("slot_id")
        .annotate(n=Count("pk"))
        .values_list("slot_id", "n")
    )
    slots = [SlotTime(pk, day, start, end, capacity, booked.get(pk, 0)) for pk, day, start, end, capacity in rows]
    return sorted(slots, key=lambda s: (s.date, s.start, s.pk))


def places_summary(wave: Wave, needed: int) -> dict:
    """What the schedule offers against what the wave needs (for the plan page and the refusal message)."""
    times = schedule_times(wave) if not wave.slots.exists() else None
    if times is None:
        rows = list(wave.slots.with_booked().values_list("date", "capacity", "booked"))
        days = len({day for day, _c, _b in rows})
        places = sum(max(0, c - b) for _d, c, b in rows)
        count = len(rows)
    else:
        days = len({day for day, _s, _e in times})
        count = len(times)
        places = count * wave.desk_capacity
    return {
        "days": days,
        "slots": count,
        "places": places,
        "needed": needed,
        "capacity": wave.desk_capacity,
        "short": needed > places,
        "scheduled": wave.handover_starts_on is not None or count > 0,
    }


def not_enough_places(wave: Wave, *, needed: int, places: int, days: int) -> DomainError:
    return DomainError(
        _(
            "Pas assez de créneaux de remise : %(needed)s associations à recevoir, %(places)s places libres sur "
            "%(days)s jour(s) (%(capacity)s association(s) à la fois). Ajoutez des jours de remise, élargissez "
            "les heures d'ouverture ou recevez plus d'associations en même temps. Rien n'a été confirmé."
        )
        % {"needed": needed, "places": places, "days": days, "capacity": wave.desk_capacity}
    )


def book_wave_slots(wave: Wave, count: int) -> list[SlotTime] | None:
    """Lock the wave's slots and choose ``count`` places in time order, each slot filled up to its places.

    The schedule is created from the wave's settings when the wave has no slot yet. ``None`` when the wave
    has no handover days (appointments are then set by hand); ``DomainError`` when places are short.
    """
    if not wave.slots.exists():
        if wave.handover_starts_on is None:
            return None
        _create_missing(wave)
    slots = locked_slots(wave)
    chosen = assign_slots([(s.pk, s.free) for s in slots], count)
    if chosen is None:
        free = sum(s.free for s in slots)
        raise not_enough_places(wave, needed=count, places=free, days=len({s.date for s in slots}))
    by_pk = {s.pk: s for s in slots}
    return [by_pk[pk] for pk in chosen]


def lock_free_slot(allocation: Allocation, slot_id: int, *, allow_past: bool = False) -> HandoverSlot:
    """Lock one slot of the allocation's wave and check that it still has a free place (the allocation's own
    booking aside). Raises ``DomainError`` with the reason otherwise."""
    slot = HandoverSlot.objects.select_for_update().filter(pk=slot_id, wave_id=allocation.wave_id).first()
    if slot is None:
        raise DomainError(_("Ce créneau n'existe pas pour cette vague."))
    now = timezone.localtime()
    if not allow_past and (slot.date, slot.start) <= (now.date(), now.time()):
        raise DomainError(_("Ce créneau est passé : choisissez-en un autre."))
    booked = Allocation.objects.filter(slot=slot, status__in=HOLDING_UNITS_STATUSES).exclude(pk=allocation.pk).count()
    if booked >= slot.capacity:
        raise DomainError(_("Ce créneau vient d'être pris : choisissez-en un autre."))
    return slot


@transaction.atomic
def slot_save(*, slot: HandoverSlot, by) -> HandoverSlot:
    """Add a slot to a wave's schedule, or change one; a slot never gets fewer places than its bookings."""
    if slot.wave.status == Wave.Status.CLOSED:
        raise DomainError(_("Cette vague est close : son planning ne change plus."))
    if slot.pk is not None:
        (locked,) = locked_slots(slot.wave, slot_ids=[slot.pk])
        if slot.capacity < locked.booked:
            raise DomainError(
                _("Ce créneau a déjà %(n)s associations : il ne peut pas avoir moins de places.") % {"n": locked.booked}
            )
        if locked.booked and (slot.date, slot.start, slot.end) != (locked.date, locked.start, locked.end):
            raise DomainError(
                _("Des associations ont réservé ce créneau : déplacez leurs rendez-vous avant de changer l'heure.")
            )
    slot.full_clean()
    slot.save()
    with french():
        note = _("créneau de remise %(slot)s (%(n)s places)") % {"slot": slot, "n": slot.capacity}
    WaveEvent.record(wave=slot.wave, by=by, kind=WaveEvent.Kind.UPDATED, note=note)
    return slot
