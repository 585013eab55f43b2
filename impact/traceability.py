"""What a donor's documents say (issue 16): the traceability report of a lot or of the donor's units in a campaign,
and a public body's yearly reuse attestation.

Reads only, in a fixed number of queries whatever the number of units (tests/impact/test_traceability.py); the
rendering and the request's life are in ``impact.donor_documents``.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Donor
from donations.models import Allocation, AllocationUnit
from impact.carbon import CarbonEstimate, co2e_avoided
from inventory.models import Computer, Lot, WipeRecord
from support.selectors import FaultRates, fault_rates, with_fault_flags

C = Computer.Status

# The outcomes a unit can have, in the report's order.
HANDED_OVER, SCRAPPED, IN_STOCK = "handed_over", "scrapped", "in_stock"
OUTCOMES = (
    (HANDED_OVER, _("Remis à une association")),
    (SCRAPPED, _("Mis au rebut")),
    (IN_STOCK, _("Encore en stock")),
)


# NIST SP 800-88's own words for the wipe methods (the admin's labels add a French explanation).
NIST_TERMS = {
    WipeRecord.Method.NIST_CLEAR: "Clear",
    WipeRecord.Method.NIST_PURGE: "Purge",
    WipeRecord.Method.DESTROY: "Destroy",
}


@dataclass
class UnitLine:
    """One serial of the report: its wipe evidence and what became of it."""

    computer: Computer
    outcome: str
    association: object | None = None  # handed over: to which association
    handed_over_on: datetime.date | None = None

    @property
    def wipe(self) -> WipeRecord | None:
        return self.computer.wipe_record

    @property
    def nist_method(self) -> str:
        """The wipe's method in NIST SP 800-88 terms (Clear, Purge, Destroy); empty for an exemption."""
        return NIST_TERMS.get(self.wipe.method, "") if self.wipe else ""

    @property
    def reported_faulty(self) -> bool:
        return bool(getattr(self.computer, "was_reported_faulty", False))


@dataclass
class TraceabilityData:
    donor: Donor
    lot: Lot | None
    campaign: Campaign | None
    lines: list[UnitLine]
    totals: list[tuple[str, str, int]]  # (outcome, label, count)
    faults: FaultRates
    carbon: CarbonEstimate
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def wiped(self) -> int:
        return sum(1 for line in self.lines if line.wipe is not None)


def campaign_units(donor: Donor, campaign: Campaign) -> QuerySet[Computer]:
    """The donor's units in a campaign: handed over (or allocated) in it, or received by its organiser and never
    allocated in another of its campaigns."""
    in_campaign = AllocationUnit.objects.filter(computer=OuterRef("pk"), allocation__wave__campaign=campaign)
    elsewhere = AllocationUnit.objects.filter(computer=OuterRef("pk")).exclude(allocation__wave__campaign=campaign)
    return Computer.objects.filter(lot__donor=donor).filter(
        Exists(in_campaign) | (Q(lot__organiser_id=campaign.organiser_id) & ~Exists(elsewhere))
    )


def _live_handovers() -> Prefetch:
    return Prefetch(
        "allocation_links",
        queryset=AllocationUnit.objects.filter(
            released_at__isnull=True, allocation__status=Allocation.Status.HANDED_OVER
        ).select_related("allocation__application__association"),
        to_attr="live_handovers",
    )


def traceability_units(computers: QuerySet[Computer]) -> list[UnitLine]:
    """Each unit with its wipe record, its live handover (association, day) and whether it was reported faulty
    (two queries)."""
    rows = (
        with_fault_flags(computers)
        .select_related("wipe_record", "lot")
        .prefetch_related(_live_handovers())
        .order_by("lot__reference", "asset_tag", "pk")
    )
    lines = []
    for computer in rows:
        link = computer.live_handovers[0] if computer.live_handovers else None
        if computer.status == C.HANDED_OVER and link is not None:
            allocation = link.allocation
            day = timezone.localdate(allocation.handed_over_at) if allocation.handed_over_at else None
            lines.append(UnitLine(computer, HANDED_OVER, allocation.application.association, day))
        elif computer.status == C.SCRAPPED:
            lines.append(UnitLine(computer, SCRAPPED))
        else:
            lines.append(UnitLine(computer, IN_STOCK))
    return lines


def traceability_data(*, donor: Donor, lot: Lot | None = None, campaign: Campaign | None = None) -> TraceabilityData:
    """The traceability report of ``lot`` (one of the donor's) or of the donor's units in ``campaign``: five
    queries whatever the number of units."""
    if lot is not None:
        computers = Computer.objects.filter(lot=lot)
    elif campaign is not None:
        computers = campaign_units(donor, campaign)
    else:
        raise ValueError("a lot or a campaign")
    lines = traceability_units(computers)
    counts = Counter(line.outcome for line in lines)
    totals = [(code, label, counts[code]) for code, label in OUTCOMES]
    # The CO2e of the units handed over, counted from the lines already read (no query).
    carbon = co2e_avoided([line.computer.form_factor for line in lines if line.outcome == HANDED_OVER])
    return TraceabilityData(
        donor=donor,
        lot=lot,
        campaign=campaign,
        lines=lines,
        totals=totals,
        faults=fault_rates(computers),
        carbon=carbon,
    )


# The reuse attestation of a public body ------------------------------------------------------------------------


@dataclass
class ReuseAssociation:
    association: object
    units: int


@dataclass
class ReuseAttestationData:
    donor: Donor
    year: int
    lines: list[UnitLine]
    associations: list[ReuseAssociation]
    carbon: CarbonEstimate
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def count(self) -> int:
        return len(self.lines)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def reuse_attestation_data(*, donor: Donor, year: int) -> ReuseAttestationData:
    """The donor's units handed over to associations during ``year`` (and still with them): serial, association,
    day; with the totals per association (two queries)."""
    start, end = year_bounds(year)
    links = (
        AllocationUnit.objects.filter(
            released_at__isnull=True,
            allocation__status=Allocation.Status.HANDED_OVER,
            allocation__handed_over_at__gte=start,
            allocation__handed_over_at__lt=end,
            computer__lot__donor=donor,
            computer__status=C.HANDED_OVER,
        )
        .select_related("computer__lot", "allocation__application__association")
        .order_by("allocation__handed_over_at", "computer__asset_tag", "pk")
    )
    lines = []
    per_association: dict[int, ReuseAssociation] = {}
    counts: dict[int, int] = defaultdict(int)
    for link in links:
        association = link.allocation.application.association
        day = timezone.localdate(link.allocation.handed_over_at)
        lines.append(UnitLine(link.computer, HANDED_OVER, association, day))
        per_association.setdefault(association.pk, ReuseAssociation(association, 0))
        counts[association.pk] += 1
    for pk, row in per_association.items():
        row.units = counts[pk]
    associations = sorted(per_association.values(), key=lambda r: (r.association.legal_name, r.association.pk))
    carbon = co2e_avoided([line.computer.form_factor for line in lines])
    return ReuseAttestationData(donor=donor, year=year, lines=lines, associations=associations, carbon=carbon)


def reuse_years(donor: Donor) -> list[int]:
    """The years in which the donor's units were handed over, newest first (one query)."""
    days = (
        Allocation.objects.filter(
            status=Allocation.Status.HANDED_OVER,
            handed_over_at__isnull=False,
            units__computer__lot__donor=donor,
            units__released_at__isnull=True,
        )
        .dates("handed_over_at", "year", order="DESC")
        .distinct()
    )
    return [day.year for day in days]
