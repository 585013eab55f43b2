"""Reads of the donations app: what pages, the admin and the planner need, in a few queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from associations.models import Application
from campaigns.models import Campaign
from donations.models import Allocation, Wave
from donations.planner import Candidate, quantity_floor

A = Allocation.Status


def campaigns_for_home() -> QuerySet[Campaign]:
    return Campaign.objects.public().prefetch_related("pledges__donor").order_by("status", "-applications_open_on")


def planning_candidates(wave: Wave, application_ids: list[int] | None = None) -> list[Candidate]:
    """The campaign's approved applications, with what the other waves give them (two queries)."""
    from associations.models import Application

    applications = Application.objects.approved().filter(campaign_id=wave.campaign_id)
    others = (
        Allocation.objects.live()
        .filter(application__campaign_id=wave.campaign_id)
        .exclude(wave_id=wave.pk)
        .order_by()
        .values("application_id")
        .annotate(
            received=Coalesce(Sum("quantity", filter=Q(status__in=Allocation.HOLDING_UNITS_STATUSES)), 0),
            planned=Coalesce(Sum("quantity", filter=Q(status=A.PROPOSED)), 0),
        )
    )
    if application_ids is not None:
        applications = applications.filter(pk__in=application_ids)
        others = others.filter(application_id__in=application_ids)
    elsewhere = {row["application_id"]: (row["received"], row["planned"]) for row in others}
    rows = applications.order_by("pk").values_list(
        "pk", "association__legal_name", "granted_quantity", "priority", "approved_at", "created_at"
    )
    return [
        Candidate(
            application_id=pk,
            association=name,
            granted=granted or 0,
            received=elsewhere.get(pk, (0, 0))[0],
            planned_elsewhere=elsewhere.get(pk, (0, 0))[1],
            priority=priority,
            approved_at=approved_at,
            created_at=created_at,
        )
        for pk, name, granted, priority, approved_at, created_at in rows
    ]


@dataclass
class PlanRow:
    allocation: Allocation
    candidate: Candidate | None
    floor: int
    ceiling: int

    @property
    def edited(self) -> bool:
        return self.allocation.planned_quantity is not None and self.allocation.planned_quantity != (
            self.allocation.quantity
        )


@dataclass
class WavePlanView:
    wave: Wave
    rows: list[PlanRow]
    skipped: list[dict]
    addable: list[Candidate]
    stock: int
    floor: int
    maximum: int
    totals: dict = field(default_factory=dict)
    # Since the proposal was calculated: applications approved and units made ready (empty: up to date).
    stale: dict = field(default_factory=dict)
    slots: dict = field(default_factory=dict)  # the handover schedule: places offered, places needed

    @property
    def is_stale(self) -> bool:
        return any(self.stale.values())

    @property
    def waiting(self) -> list[dict]:
        """Left out of this wave although they still need units (capacity, minimum)."""
        return [s for s in self.skipped if s.get("code") != "served"]

    @property
    def served(self) -> list[dict]:
        return [s for s in self.skipped if s.get("code") == "served"]

    @property
    def over_capacity(self) -> bool:
        return self.totals["live"] > self.wave.capacity

    @property
    def over_stock(self) -> bool:
        return self.totals["proposed"] > self.stock


def wave_plan_view(wave: Wave) -> WavePlanView:
    """Everything the « plan this wave » page shows, in a constant number of queries."""
    from inventory.models import Computer

    campaign = wave.campaign
    floor = quantity_floor(minimum=campaign.min_per_association, final_lot=wave.is_final_lot)
    allocations = list(
        wave.allocations.live()
        .select_related("application__association")
        .annotate(unit_count=Count("units", filter=Q(units__released_at__isnull=True)))
        .order_by("position", "pk")
    )
    candidates = {c.application_id: c for c in planning_candidates(wave)}
    rows = []
    for allocation in allocations:
        candidate = candidates.get(allocation.application_id)
        ceiling = min(campaign.max_per_association, candidate.remaining) if candidate else allocation.quantity
        rows.append(PlanRow(allocation, candidate, floor, ceiling))
    in_wave = {a.application_id for a in allocations}
    skipped = [s for s in wave.plan_skipped if s.get("application") not in in_wave]
    addable = sorted(
        (c for c in candidates.values() if c.application_id not in in_wave and c.remaining >= floor),
        key=lambda c: c.order_key(final_lot=wave.is_final_lot),
    )
    stock = Computer.objects.ready().filter(lot__organiser_id=wave.campaign.organiser_id).count()
    totals = {
        "live": sum(a.quantity for a in allocations),
        "proposed": sum(a.quantity for a in allocations if a.status == A.PROPOSED),
        "confirmed": sum(a.quantity for a in allocations if a.status in Allocation.HOLDING_UNITS_STATUSES),
        "handed_over": sum(a.quantity for a in allocations if a.status == A.HANDED_OVER),
        "lines": len(allocations),
    }
    totals["capacity_left"] = wave.capacity - totals["live"]
    stale = plan_staleness(wave) if wave.is_editable and allocations else {}
    return WavePlanView(
        wave=wave,
        rows=rows,
        skipped=skipped,
        addable=addable,
        stock=stock,
        floor=floor,
        maximum=campaign.max_per_association,
        totals=totals,
        stale=stale,
        slots=_places(wave, totals["lines"]) if wave.is_editable else {},
    )


def _places(wave: Wave, needed: int) -> dict:
    from donations.services.slots import places_summary

    return places_summary(wave, needed=needed)


def plan_staleness(wave: Wave) -> dict:
    """What changed since the proposal of ``wave`` was calculated (two counts): applications of its campaign
    approved since, and units made ready since. Both change what the planner would propose."""
    from inventory.models import Computer

    if wave.planned_at is None:
        return {}
    return {
        "approved": Application.objects.approved()
        .filter(campaign_id=wave.campaign_id, approved_at__gt=wave.planned_at)
        .count(),
        "readied": Computer.objects.ready()
        .filter(lot__organiser_id=wave.campaign.organiser_id, status_changed_at__gt=wave.planned_at)
        .count(),
    }


def campaign_progress(campaign: Campaign) -> dict:
    """Pledged, granted, allocated and handed over for a campaign, and per wave (three queries)."""
    from associations.models import Application

    granted = (
        Application.objects.approved()
        .filter(campaign=campaign)
        .aggregate(n=Coalesce(Sum("granted_quantity"), 0), associations=Count("pk"))
    )
    waves = list(campaign.waves.with_totals().order_by("number"))
    return {
        "pledged": campaign.pledged_units,
        "granted": granted["n"],
        "approved_associations": granted["associations"],
        "proposed": sum(w.proposed_total for w in waves),
        "allocated": sum(w.allocated_total for w in waves),
        "handed_over": sum(w.handed_over_total for w in waves),
        "waves": waves,
    }


def _allocation_total(statuses) -> Coalesce:
    subquery = (
        Allocation.objects.filter(wave__campaign=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("wave__campaign")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def campaigns_with_totals(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Campaigns annotated with ``granted_total``, ``allocated_total``, ``handed_over_total`` and ``wave_n``.

    One subquery each, so that a list of campaigns costs one query whatever its length.
    """
    approved = (
        Campaign.objects.filter(pk=OuterRef("pk"))
        .annotate(
            n=Sum("applications__granted_quantity", filter=Q(applications__status=Application.Status.APPROVED)),
        )
        .values("n")
    )
    waves = Wave.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=Count("pk"))
    return campaigns.annotate(
        granted_total=Coalesce(Subquery(approved, output_field=IntegerField()), 0),
        allocated_total=_allocation_total([A.CONFIRMED, A.HANDED_OVER]),
        handed_over_total=_allocation_total([A.HANDED_OVER]),
        wave_n=Coalesce(Subquery(waves.values("n"), output_field=IntegerField()), 0),
    )


def allocations_with_unit_counts(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Allocations annotated with ``live_units``: the computers they hold now (not released)."""
    return allocations.annotate(live_units=Count("units", filter=Q(units__released_at__isnull=True)))


def allocations_for_application(user, application) -> list[Allocation]:
    """The confirmed (or handed over) allocations of an application, if ``user`` is one of its members.

    Each carries ``plain_reason``: its quantity in plain words, in the reader's language (never the planner's
    internal text).
    """
    from donations.services.allocations import explain_allocations

    allocations = list(
        Allocation.objects.for_user(user)
        .filter(application=application)
        .select_related("wave", "application")
        .order_by("wave__number", "pk")
    )
    reasons = explain_allocations(allocations, in_french=False)
    for allocation in allocations:
        allocation.plain_reason = reasons[allocation.pk]
    return allocations


def allocation_for_member(user) -> QuerySet[Allocation]:
    """Allocations a member may act on (confirm or move the appointment): theirs, confirmed."""
    return (
        Allocation.objects.for_user(user)
        .filter(status=A.CONFIRMED)
        .select_related("wave__campaign", "application__association")
    )


# The campaign managers' to-do list on the admin home ------------------------------------------------------


def waves_todo(*, user=None) -> list[Wave]:
    """Waves in preparation with what they wait for (one query): ``todo`` is ``"plan"`` (never computed),
    ``"stale"`` (an approval was given, corrected or reopened since the last computation) or ``"confirm"``
    (computed, up to date, with proposed allocations); waves with nothing to do are left out."""
    from django.db.models import Exists

    from associations.models import ApplicationEvent

    changed_since = ApplicationEvent.objects.filter(
        application__campaign=OuterRef("campaign"), created_at__gt=OuterRef("planned_at")
    ).filter(
        Q(kind=ApplicationEvent.Kind.GRANT)
        | Q(to_status=Application.Status.APPROVED)
        | Q(from_status=Application.Status.APPROVED)
    )
    from campaigns.scoping import scope_to_user

    scoped = Wave.objects.all() if user is None else scope_to_user(Wave.objects.all(), user)
    waves = (
        scoped.filter(status=Wave.Status.PLANNING)
        .select_related("campaign")
        .annotate(
            stale=Exists(changed_since),
            proposed_n=Count("allocations", filter=Q(allocations__status=A.PROPOSED)),
        )
        .order_by("campaign__name", "number")
    )
    todo = []
    for wave in waves:
        if wave.planned_at is None:
            wave.todo = "plan"
        elif wave.stale:
            wave.todo = "stale"
        elif wave.proposed_n:
            wave.todo = "confirm"
        else:
            continue
        todo.append(wave)
    return todo


@dataclass
class CapacityAlert:
    campaign: Campaign
    waiting: int  # approved applications that no wave serves or plans yet
    units: int  # what they still need
    free: int  # places left in the campaign's waves in preparation


def capacity_alerts(*, user=None) -> list[CapacityAlert]:
    """Campaigns whose approved applications, not served or planned in any wave yet, need more units than the
    waves in preparation have left (two queries); with ``user``, of their organisers' campaigns."""
    from campaigns.scoping import scope_to_user

    live = Q(allocations__status__in=Allocation.LIVE_STATUSES)
    scoped = Application.objects.all() if user is None else scope_to_user(Application.objects.all(), user)
    applications = (
        scoped.approved()
        .exclude(campaign__status=Campaign.Status.CLOSED)
        .annotate(
            given=Coalesce(Sum("allocations__quantity", filter=live), 0),
            planned_n=Count("allocations", filter=live & Q(allocations__wave__status=Wave.Status.PLANNING)),
        )
        .values_list("campaign_id", "granted_quantity", "given", "planned_n")
    )
    waiting: dict[int, list[int]] = {}
    for campaign_id, granted, given, planned_n in applications:
        need = (granted or 0) - given
        if need > 0 and not planned_n:
            row = waiting.setdefault(campaign_id, [0, 0])
            row[0] += 1
            row[1] += need
    waves = (
        Wave.objects.filter(status=Wave.Status.PLANNING, campaign_id__in=waiting)
        .order_by()
        .values("campaign_id")
        .annotate(
            capacity=Sum("capacity"),
        )
    )
    capacity = {row["campaign_id"]: row["capacity"] for row in waves}
    used = dict(
        Allocation.objects.live()
        .filter(wave__status=Wave.Status.PLANNING, wave__campaign_id__in=waiting)
        .order_by()
        .values_list("wave__campaign_id")
        .annotate(n=Sum("quantity"))
    )
    campaigns = Campaign.objects.in_bulk(list(waiting))
    alerts = []
    for campaign_id, (count, units) in waiting.items():
        free = max(0, (capacity.get(campaign_id) or 0) - (used.get(campaign_id) or 0))
        if units > free:
            alerts.append(CapacityAlert(campaigns[campaign_id], count, units, free))
    return sorted(alerts, key=lambda alert: alert.campaign.name)


@dataclass
class SlotChoice:
    slot: object  # HandoverSlot, annotated with ``booked``
    free: int
    mine: bool


@dataclass
class SlotDay:
    date: object
    choices: list[SlotChoice]


def slot_choices(allocation: Allocation) -> list[SlotDay]:
    """The slots an association may pick for its allocation: the wave's future slots with a free place, and its
    own, by day in time order (one query)."""
    import datetime

    from django.utils import timezone

    from donations.models import HandoverSlot

    now = timezone.localtime()
    slots = (
        HandoverSlot.objects.filter(wave_id=allocation.wave_id, date__gte=now.date())
        .with_booked()
        .order_by("date", "start", "pk")
    )
    days: dict[datetime.date, list[SlotChoice]] = {}
    for slot in slots:
        mine = slot.pk == allocation.slot_id
        if slot.date == now.date() and slot.start <= now.time() and not mine:
            continue
        free = slot.capacity - slot.booked
        if free > 0 or mine:
            days.setdefault(slot.date, []).append(SlotChoice(slot, max(0, free), mine))
    return [SlotDay(day, choices) for day, choices in days.items()]
