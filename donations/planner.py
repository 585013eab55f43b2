"""The allocation planner and the unit picker: pure functions, no database access.

``plan_wave`` proposes how many desktops each approved application gets in one wave.
``UnitPool`` chooses which concrete ready units go to each allocation. Both take plain
data (built by the services from a few bulk queries) and return plain data, so that they
are deterministic, explainable and fast: the same inputs always give the same output.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

# Far in the future: an application without an approval date is served after every dated one.
_NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Candidate:
    """An approved application, with what it already has from the other waves."""

    application_id: int
    association: str
    granted: int
    received: int = 0  # confirmed or handed over in the other waves
    planned_elsewhere: int = 0  # proposed in other waves that are still being planned
    priority: int = 3
    approved_at: datetime.datetime | None = None
    created_at: datetime.datetime | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.granted - self.received - self.planned_elsewhere)

    @property
    def never_served(self) -> bool:
        return self.received == 0

    @property
    def sort_key(self) -> tuple:
        """Priority (1 first), then date of approval, then date of the application, then id."""
        return self.order_key(final_lot=False)

    def order_key(self, *, final_lot: bool) -> tuple:
        """The order of service. In the final lot, among equal priorities, an association that never
        received anything comes before one already partly served (there is no later wave to make up for it)."""
        return (
            self.priority,
            (0 if self.never_served else 1) if final_lot else 0,
            self.approved_at or _NEVER,
            self.created_at or _NEVER,
            self.application_id,
        )


class Skip:
    """Why an application gets nothing in this wave (codes are stable, texts are translated)."""

    SERVED = "served"
    NO_CAPACITY = "no_capacity"
    BELOW_MINIMUM = "below_minimum"
    CAPACITY_BELOW_MINIMUM = "capacity_below_minimum"


@dataclass(frozen=True)
class Line:
    candidate: Candidate
    quantity: int
    position: int
    reason: str


@dataclass(frozen=True)
class Skipped:
    candidate: Candidate
    code: str
    reason: str


@dataclass(frozen=True)
class Plan:
    capacity: int
    stock: int
    minimum: int
    maximum: int
    final_lot: bool
    lines: tuple[Line, ...]
    skipped: tuple[Skipped, ...]

    @property
    def total(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def limit(self) -> int:
        return min(self.capacity, self.stock)


def describe(candidate: Candidate) -> str:
    """The short explanation the association reads: « accordé 20, 0 reçu, priorité 2 »."""
    text = _("accordé %(granted)s, %(received)s reçu, priorité %(priority)s") % {
        "granted": candidate.granted,
        "received": candidate.received,
        "priority": candidate.priority,
    }
    if candidate.planned_elsewhere:
        text += ", " + _("%(planned)s prévu dans une autre vague") % {"planned": candidate.planned_elsewhere}
    return text


def explain_quantity(
    *, quantity: int, granted: int, elsewhere: int = 0, set_by_team: str = "", final_lot: bool = False
) -> str:
    """What the association reads about its quantity, in plain words: this wave, and what is left for later.

    « 14 ordinateurs dans cette vague (quantité ajustée par l'équipe) ; 6 restent à attribuer dans une
    prochaine vague ». ``elsewhere``: what its other waves already give it; ``set_by_team``: "adjusted"
    when the team changed the planner's quantity, "added" when the team added the line itself.
    """
    text = ngettext("%(n)s ordinateur dans cette vague", "%(n)s ordinateurs dans cette vague", quantity) % {
        "n": quantity
    }
    if set_by_team == "adjusted":
        text += " " + _("(quantité ajustée par l'équipe)")
    elif set_by_team == "added":
        text += " " + _("(quantité fixée par l'équipe)")
    parts = [text]
    if elsewhere > 0:
        parts.append(
            ngettext("%(n)s déjà attribué dans une autre vague", "%(n)s déjà attribués dans d'autres vagues", elsewhere)
            % {"n": elsewhere}
        )
    left = max(0, granted - elsewhere - quantity)
    if left and final_lot:
        parts.append(
            ngettext(
                "%(n)s ordinateur accordé ne sera pas attribué : c'est le lot final",
                "%(n)s ordinateurs accordés ne seront pas attribués : c'est le lot final",
                left,
            )
            % {"n": left}
        )
    elif left:
        parts.append(
            ngettext(
                "%(n)s reste à attribuer dans une prochaine vague",
                "%(n)s restent à attribuer dans une prochaine vague",
                left,
            )
            % {"n": left}
        )
    else:
        parts.append(
            ngettext("c'est le seul ordinateur accordé", "ce sont tous les %(n)s ordinateurs accordés", granted)
            % {"n": granted}
        )
    # French puts a space before the semicolon, English does not.
    return pgettext("list separator", " ; ").join(parts)


def sort_candidates(candidates: Iterable[Candidate], *, final_lot: bool = False) -> list[Candidate]:
    return sorted(candidates, key=lambda c: c.order_key(final_lot=final_lot))


def quantity_floor(*, minimum: int, final_lot: bool) -> int:
    """The smallest quantity one wave gives an association: the campaign's minimum, or 1 in the final lot."""
    return 1 if final_lot else minimum


def plan_wave(
    candidates: Iterable[Candidate],
    *,
    capacity: int,
    stock: int,
    minimum: int,
    maximum: int,
    final_lot: bool = False,
) -> Plan:
    """Serve the candidates in order, each with what it still needs, within the wave's limits.

    - Nobody gets more than granted minus what the other waves give it, nor more than ``maximum``.
    - Outside the final lot, nobody gets fewer than ``minimum`` in one wave: a remaining need below
      the minimum waits for the final lot, and a wave never hands out a line below the minimum.
    - When the capacity left is smaller than a need (and, outside the final lot, at least the
      minimum), the candidate gets what is left; the rest of its grant waits for a later wave (in the
      final lot there is none: the reason says the rest will not be given).
    - In the final lot, among equal priorities, associations never served come first (``order_key``).
    """
    limit = max(0, min(capacity, stock))
    floor = quantity_floor(minimum=minimum, final_lot=final_lot)
    used = 0
    lines: list[Line] = []
    skipped: list[Skipped] = []
    for candidate in sort_candidates(candidates, final_lot=final_lot):
        base = describe(candidate)
        need = min(candidate.remaining, maximum)
        left = limit - used
        if need <= 0:
            if candidate.planned_elsewhere and candidate.received < candidate.granted:
                reason = _("déjà prévu dans une autre vague : %(base)s") % {"base": base}
            else:
                reason = _("déjà servie : %(base)s") % {"base": base}
            skipped.append(Skipped(candidate, Skip.SERVED, reason))
            continue
        if need < floor:
            reason = _(
                "besoin restant de %(need)s, sous le minimum de %(minimum)s : sera servie par le lot final (%(base)s)"
            ) % {"need": need, "minimum": minimum, "base": base}
            skipped.append(Skipped(candidate, Skip.BELOW_MINIMUM, reason))
            continue
        if left <= 0:
            reason = _("plus de capacité dans cette vague : %(base)s") % {"base": base}
            skipped.append(Skipped(candidate, Skip.NO_CAPACITY, reason))
            continue
        if left < floor:
            reason = _("capacité restante de %(left)s, sous le minimum de %(minimum)s par association : %(base)s") % {
                "left": left,
                "minimum": minimum,
                "base": base,
            }
            skipped.append(Skipped(candidate, Skip.CAPACITY_BELOW_MINIMUM, reason))
            continue
        quantity = min(need, left)
        reason = base
        if final_lot and quantity < need:
            reason += " ; " + ngettext(
                "capacité du lot final atteinte : %(rest)s ordinateur ne sera pas attribué (pas de vague suivante)",
                "capacité du lot final atteinte : %(rest)s ordinateurs ne seront pas attribués (pas de vague suivante)",
                need - quantity,
            ) % {"rest": need - quantity}
        elif quantity < need:
            reason += " ; " + ngettext(
                "capacité de la vague atteinte : %(rest)s ordinateur pour une prochaine vague",
                "capacité de la vague atteinte : %(rest)s ordinateurs pour une prochaine vague",
                need - quantity,
            ) % {"rest": need - quantity}
        elif final_lot and quantity < minimum:
            reason += " ; " + _("lot final : besoin sous le minimum habituel")
        used += quantity
        lines.append(Line(candidate, quantity, len(lines) + 1, reason))
    return Plan(
        capacity=capacity,
        stock=stock,
        minimum=minimum,
        maximum=maximum,
        final_lot=final_lot,
        lines=tuple(lines),
        skipped=tuple(skipped),
    )


# Unit picking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A ready unit as the picker sees it."""

    id: int
    lot_id: int
    manufacturer: str
    model: str
    ready_since: datetime.datetime

    @property
    def group(self) -> tuple:
        return (self.lot_id, self.manufacturer, self.model)

    @property
    def age_key(self) -> tuple:
        return (self.ready_since, self.id)


@dataclass
class _Group:
    key: tuple
    units: list[Unit] = field(default_factory=list)  # oldest first
    start: int = 0  # units before ``start`` are taken

    def __len__(self) -> int:
        return len(self.units) - self.start

    def head(self) -> tuple:
        return self.units[self.start].age_key

    def take(self, n: int) -> list[Unit]:
        taken = self.units[self.start : self.start + n]
        self.start += len(taken)
        return taken


class UnitPool:
    """Ready units grouped by lot and model; each allocation takes the fewest groups, oldest first.

    One association's machines come from one lot and one model where possible (they are
    maintained together): the oldest group large enough is used; otherwise the largest groups.
    """

    def __init__(self, units: Iterable[Unit]):
        groups: dict[tuple, _Group] = {}
        for unit in units:
            groups.setdefault(unit.group, _Group(unit.group)).units.append(unit)
        for group in groups.values():
            group.units.sort(key=lambda u: u.age_key)
        self._groups = groups

    def __len__(self) -> int:
        return sum(len(g) for g in self._groups.values())

    def take(self, quantity: int) -> list[int] | None:
        """The ids of ``quantity`` units, removed from the pool; None (nothing taken) if short."""
        if quantity <= 0:
            return []
        live = [g for g in self._groups.values() if len(g)]
        if sum(len(g) for g in live) < quantity:
            return None
        fitting = [g for g in live if len(g) >= quantity]
        if fitting:
            best = min(fitting, key=lambda g: g.head())
            return [u.id for u in best.take(quantity)]
        taken: list[int] = []
        for group in sorted(live, key=lambda g: (-len(g), g.head())):
            taken.extend(u.id for u in group.take(quantity - len(taken)))
            if len(taken) == quantity:
                break
        return taken

    def discard(self, ids: Iterable[int]) -> None:
        """Forget units that turned out to be unavailable (taken by someone else meanwhile)."""
        gone = set(ids)
        if not gone:
            return
        for group in self._groups.values():
            remaining = [u for u in group.units[group.start :] if u.id not in gone]
            group.units, group.start = remaining, 0


# Appointments ---------------------------------------------------------------------------------

DEFAULT_OPENING_HOURS = "09:00-12:00 14:00-17:00"
DEFAULT_SLOT_MINUTES = 45
_RANGE = re.compile(r"^(\d{1,2})[:hH](\d{2})\s*-\s*(\d{1,2})[:hH](\d{2})$")


def parse_opening_hours(text: str) -> list[tuple[datetime.time, datetime.time]]:
    """« 09:00-12:00 14:00-17:00 » -> [(9:00, 12:00), (14:00, 17:00)]; ``ValueError`` (in French) when malformed,
    when a range ends before it starts, or when ranges overlap."""
    ranges = []
    for part in re.split(r"[\s,;]+", (text or "").strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(_("« %(part)s » : écrivez chaque plage sous la forme 09:00-12:00.") % {"part": part})
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = datetime.time(h1, m1), datetime.time(h2, m2)
        except ValueError:
            raise ValueError(_("« %(part)s » : heure invalide.") % {"part": part}) from None
        if start >= end:
            raise ValueError(_("« %(part)s » : la fin doit suivre le début.") % {"part": part})
        ranges.append((start, end))
    if not ranges:
        raise ValueError(_("Indiquez au moins une plage d'ouverture, par exemple 09:00-12:00."))
    ranges.sort()
    for (_s1, e1), (s2, _e2) in zip(ranges, ranges[1:], strict=False):
        if s2 < e1:
            raise ValueError(_("Les plages d'ouverture se chevauchent."))
    return ranges


def handover_days(start: datetime.date, end: datetime.date | None) -> list[datetime.date]:
    """Working days (Monday to Friday) from ``start`` to ``end`` included."""
    end = end or start
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days or [start]


def slot_times(
    days: Sequence[datetime.date],
    hours: Sequence[tuple[datetime.time, datetime.time]],
    minutes: int = DEFAULT_SLOT_MINUTES,
) -> list[tuple[datetime.date, datetime.time, datetime.time]]:
    """Every slot of the schedule: each day, each opening range cut in slots of ``minutes`` (a last piece
    shorter than a slot is not offered). Each slot appears once: days are never reused."""
    length = datetime.timedelta(minutes=minutes)
    slots = []
    for day in days:
        for opens, closes in hours:
            start = datetime.datetime.combine(day, opens)
            closing = datetime.datetime.combine(day, closes)
            while start + length <= closing:
                slots.append((day, start.time(), (start + length).time()))
                start += length
    return slots


def assign_slots(free: Sequence[tuple[int, int]], count: int) -> list[int] | None:
    """``count`` bookings over ``free`` (slot id, free places), in order, each slot filled up to its places;
    ``None`` when the places are fewer than ``count`` (nothing is assigned then)."""
    if sum(max(0, places) for _slot, places in free) < count:
        return None
    assigned: list[int] = []
    for slot, places in free:
        take = min(max(0, places), count - len(assigned))
        assigned.extend([slot] * take)
        if len(assigned) == count:
            break
    return assigned
