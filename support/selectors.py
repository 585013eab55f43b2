"""Reads of the after-sales pages: the units an association may report, its tickets, the stock team's queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from campaigns.scoping import scope_to_user
from donations.models import AllocationStatus, AllocationUnit
from inventory.models import Computer
from support.models import STAFF_TODO_STATUSES, Ticket, TicketMessage

# From a ticket to the organiser whose campaign handed the unit over.
TICKET_ORGANISER = "allocation__wave__campaign__organiser"


@dataclass
class UnitUnderCare:
    """A unit of a signed handover of one of the user's associations, and whether it is under warranty."""

    link: AllocationUnit
    warranty_ends_on: datetime.date | None
    covered: bool
    open_ticket: bool

    @property
    def computer(self) -> Computer:
        return self.link.computer

    @property
    def handover(self):
        return self.link.allocation.handover

    @property
    def campaign(self):
        return self.link.allocation.wave.campaign

    @property
    def association(self):
        return self.link.allocation.application.association


def handed_over_links(user) -> QuerySet[AllocationUnit]:
    """The live units of the signed handovers of ``user``'s associations (members only), in a fixed number
    of queries whatever their number."""
    if not user.is_authenticated or not user.is_active:
        return AllocationUnit.objects.none()
    open_ticket = Ticket.objects.open().filter(computer=OuterRef("computer"))
    return (
        AllocationUnit.objects.filter(
            released_at__isnull=True,
            allocation__status=AllocationStatus.HANDED_OVER,
            allocation__handover__signed_at__isnull=False,
            allocation__application__association__memberships__user=user,
            computer__status=Computer.Status.HANDED_OVER,
        )
        .select_related(
            "computer",
            "allocation__handover",
            "allocation__wave__campaign",
            "allocation__application__association",
        )
        .annotate(has_open_ticket=Exists(open_ticket))
        .order_by("allocation__application__association__legal_name", "computer__asset_tag")
    )


def units_under_care(user, *, today: datetime.date | None = None) -> list[UnitUnderCare]:
    today = today or timezone.localdate()
    units = []
    for link in handed_over_links(user):
        campaign = link.allocation.wave.campaign
        ends = campaign.warranty_ends_on(link.allocation.handover.handed_over_on)
        units.append(UnitUnderCare(link, ends, bool(ends and today <= ends), link.has_open_ticket))
    return units


def reportable_link(user, computer_id, *, today: datetime.date | None = None) -> UnitUnderCare | None:
    """The unit ``computer_id`` if ``user`` may report it (one of its associations' handed-over units)."""
    try:
        computer_id = int(computer_id)
    except (TypeError, ValueError):
        return None
    link = handed_over_links(user).filter(computer_id=computer_id).first()
    if link is None:
        return None
    today = today or timezone.localdate()
    ends = link.allocation.wave.campaign.warranty_ends_on(link.allocation.handover.handed_over_on)
    return UnitUnderCare(link, ends, bool(ends and today <= ends), link.has_open_ticket)


def tickets_for_user(user) -> QuerySet[Ticket]:
    """``user``'s associations' tickets, the newest first, with what their list shows."""
    return (
        Ticket.objects.for_user(user)
        .select_related("computer", "replacement", "association", "allocation__wave__campaign")
        .order_by("-created_at", "-pk")
    )


def ticket_for_user(user, pk) -> QuerySet[Ticket]:
    """The ticket ``pk`` if ``user`` is a member of its association (else an empty queryset), with its thread."""
    return (
        tickets_for_user(user)
        .filter(pk=pk)
        .prefetch_related("photos", Prefetch("messages", queryset=TicketMessage.objects.order_by("created_at", "pk")))
    )


def support_todo(rows: int = 5, *, user=None) -> dict:
    """The stock team's after-sales work: how many tickets wait for it (and for the associations' answers), and the
    oldest ones (2 queries). With ``user``: the tickets of the organisers they work for."""
    waiting = Q(status__in=STAFF_TODO_STATUSES)
    tickets = Ticket.objects.all()
    if user is not None:
        tickets = scope_to_user(tickets, user, TICKET_ORGANISER)
    counts = tickets.aggregate(
        count=Count("pk", filter=waiting), questions=Count("pk", filter=Q(status=Ticket.Status.QUESTION))
    )
    oldest = tickets.filter(waiting).select_related("computer", "association").order_by("created_at", "pk")
    return {**counts, "oldest": list(oldest[:rows])}


# Fault rates (issue 17) ---------------------------------------------------------------------------

# A ticket closed without follow-up (« close sans suite ») was not a fault.
FAULT_STATUSES = tuple(s for s in Ticket.Status.values if s != Ticket.Status.CLOSED)


@dataclass
class FaultRate:
    """Units handed over, units reported faulty by an association (a ticket not closed without follow-up), rate."""

    key: tuple
    label: str
    handed_over: int
    faulty: int

    @property
    def rate(self) -> float | None:
        """Faulty / handed over (0 to 1), None when nothing was handed over."""
        return self.faulty / self.handed_over if self.handed_over else None

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(100 * self.rate, 1)


@dataclass
class FaultRates:
    per_lot: list[FaultRate]
    per_model: list[FaultRate]
    total: FaultRate


def with_fault_flags(computers: QuerySet[Computer]) -> QuerySet[Computer]:
    """``computers`` with ``was_handed_over`` (ever part of a handed-over allocation, even if swapped since) and
    ``was_reported_faulty`` (a fault ticket), as subqueries: no query per unit."""
    handed = AllocationUnit.objects.filter(computer=OuterRef("pk"), allocation__status=AllocationStatus.HANDED_OVER)
    faulty = Ticket.objects.filter(computer=OuterRef("pk"), status__in=FAULT_STATUSES)
    return computers.annotate(was_handed_over=Exists(handed), was_reported_faulty=Exists(faulty))


def _rates(computers: QuerySet[Computer], group: tuple[str, ...]) -> list[dict]:
    return list(
        with_fault_flags(computers)
        .values(*group)
        .annotate(
            handed_over=Count("pk", filter=Q(was_handed_over=True)),
            faulty=Count("pk", filter=Q(was_handed_over=True, was_reported_faulty=True)),
        )
        .filter(handed_over__gt=0)
        .order_by(*group)
    )


def fault_rates(computers: QuerySet[Computer]) -> FaultRates:
    """Per lot and per model (manufacturer and model), the units handed over, reported faulty, and the rate, in two
    queries whatever the number of units. The caller scopes ``computers`` (a lot, a donor, an organiser's stock)."""
    per_lot = [
        FaultRate((r["lot_id"],), r["lot__reference"], r["handed_over"], r["faulty"])
        for r in _rates(computers, ("lot_id", "lot__reference"))
    ]
    per_model = [
        FaultRate((r["manufacturer"], r["model"]), f"{r['manufacturer']} {r['model']}", r["handed_over"], r["faulty"])
        for r in _rates(computers, ("manufacturer", "model"))
    ]
    per_model.sort(key=lambda r: (-(r.rate or 0), r.label))
    total = FaultRate((), "", sum(r.handed_over for r in per_lot), sum(r.faulty for r in per_lot))
    return FaultRates(per_lot, per_model, total)


def fault_rates_for_user(user) -> FaultRates:
    """The stock team's fault rates: the lots of the organisers ``user`` works for."""
    return fault_rates(scope_to_user(Computer.objects.all(), user, "lot__organiser"))


ADDENDUM_ORGANISER = "handover__wave__campaign__organiser"


def desk_addenda(user, *, recent: int = 10) -> dict:
    """The desk's addenda of the organisers ``user`` works for: those to sign (the oldest first) and the last
    ones signed (2 queries, whatever their number)."""
    from support.models import Addendum

    addenda = scope_to_user(
        Addendum.objects.select_related("handover", "ticket__association", "ticket__computer", "ticket__replacement"),
        user,
        ADDENDUM_ORGANISER,
    )
    return {
        "to_sign": list(addenda.filter(signed_at__isnull=True).order_by("created_at", "pk")),
        "signed": list(addenda.filter(signed_at__isnull=False).order_by("-signed_at", "-pk")[:recent]),
    }
