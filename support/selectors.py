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
