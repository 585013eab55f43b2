"""Reads of the in-kind gift receipts: the drafts computed from the signed handovers, and the issued receipts.

Every read takes a fixed number of queries whatever the number of units, lots, donors or years
(tests/impact/test_receipts.py asserts them).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.dateparse import parse_date

from associations.models import Association
from campaigns.models import Donor
from donations.models import Allocation, AllocationUnit
from impact.models import Receipt, ReceiptEligibility
from inventory.models import Computer


@dataclass
class ReceiptUnit:
    computer_id: int
    serial_number: str
    manufacturer: str
    model: str
    handed_over_on: datetime.date


@dataclass
class ReceiptLine:
    """The units of one lot in a receipt, at the value per unit its donor declared (None: not declared)."""

    lot_id: int
    lot_reference: str
    unit_value: Decimal | None
    declared_by_name: str
    declared_at: datetime.datetime | None
    units: list[ReceiptUnit] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal | None:
        return None if self.unit_value is None else self.unit_value * len(self.units)


@dataclass
class ReceiptDraft:
    """What a receipt of (association, donor, year) holds now, read live from the signed handovers."""

    association: Association
    donor: Donor
    year: int
    lines: list[ReceiptLine]
    receipt: Receipt | None = None  # the live row (draft or issued), if any

    @property
    def unit_count(self) -> int:
        return sum(len(line.units) for line in self.lines)

    @property
    def missing_value(self) -> bool:
        return any(line.unit_value is None for line in self.lines)

    @property
    def lots_without_value(self) -> list[str]:
        return [line.lot_reference for line in self.lines if line.unit_value is None]

    @property
    def total(self) -> Decimal | None:
        if self.missing_value:
            return None
        return sum((line.subtotal for line in self.lines), Decimal("0.00"))

    @property
    def dates(self) -> list[datetime.date]:
        return sorted({unit.handed_over_on for line in self.lines for unit in line.units})

    @property
    def is_issued(self) -> bool:
        return self.receipt is not None and self.receipt.status == Receipt.Status.ISSUED


def received_units(association_ids, *, donor_ids=None, year: int | None = None) -> QuerySet:
    """The units the associations received through a signed handover (not refused, not taken back)."""
    units = AllocationUnit.objects.filter(
        allocation__application__association_id__in=list(association_ids),
        released_at__isnull=True,
        allocation__status=Allocation.Status.HANDED_OVER,
        allocation__handover__signed_at__isnull=False,
        allocation__handover__handed_over_on__isnull=False,
        computer__status=Computer.Status.HANDED_OVER,
    )
    if donor_ids is not None:
        units = units.filter(computer__lot__donor_id__in=list(donor_ids))
    if year is not None:
        units = units.filter(allocation__handover__handed_over_on__year=year)
    return units


def receipt_drafts(association_ids, *, donor_ids=None, year: int | None = None) -> list[ReceiptDraft]:
    """Every receipt the associations may issue (one per donor and year of handover), in four queries.

    Only for associations whose eligibility stands; the live receipt rows are attached (``draft.receipt``).
    """
    eligible = set(
        ReceiptEligibility.objects.filter(
            association_id__in=list(association_ids), withdrawn_at__isnull=True
        ).values_list("association_id", flat=True)
    )
    if not eligible:
        return []
    rows = (
        received_units(eligible, donor_ids=donor_ids, year=year)
        .values(
            "allocation__application__association_id",
            "computer_id",
            "computer__serial_number",
            "computer__manufacturer",
            "computer__model",
            "computer__lot_id",
            "computer__lot__reference",
            "computer__lot__donor_id",
            "computer__lot__valuation__unit_value",
            "computer__lot__valuation__declared_by_name",
            "computer__lot__valuation__declared_at",
            "allocation__handover__handed_over_on",
        )
        .order_by("computer__lot__reference", "computer__serial_number", "computer_id")
    )
    grouped: dict[tuple[int, int, int], dict[int, ReceiptLine]] = defaultdict(dict)
    for row in rows:
        day = row["allocation__handover__handed_over_on"]
        key = (row["allocation__application__association_id"], row["computer__lot__donor_id"], day.year)
        lines = grouped[key]
        lot_id = row["computer__lot_id"]
        if lot_id not in lines:
            lines[lot_id] = ReceiptLine(
                lot_id=lot_id,
                lot_reference=row["computer__lot__reference"],
                unit_value=row["computer__lot__valuation__unit_value"],
                declared_by_name=row["computer__lot__valuation__declared_by_name"] or "",
                declared_at=row["computer__lot__valuation__declared_at"],
            )
        lines[lot_id].units.append(
            ReceiptUnit(
                computer_id=row["computer_id"],
                serial_number=row["computer__serial_number"],
                manufacturer=row["computer__manufacturer"],
                model=row["computer__model"],
                handed_over_on=day,
            )
        )
    if not grouped:
        return []
    associations = Association.objects.in_bulk({key[0] for key in grouped})
    donors = Donor.objects.in_bulk({key[1] for key in grouped})
    receipts = {
        (r.association_id, r.donor_id, r.year): r
        for r in Receipt.objects.live().filter(association_id__in=list(eligible))
    }
    drafts = [
        ReceiptDraft(
            association=associations[a],
            donor=donors[d],
            year=y,
            lines=list(lines.values()),
            receipt=receipts.get((a, d, y)),
        )
        for (a, d, y), lines in grouped.items()
    ]
    drafts.sort(key=lambda draft: (-draft.year, draft.association.legal_name, draft.donor.name))
    return drafts


def issued_receipts(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Receipt.objects.all() if queryset is None else queryset
    return queryset.issued().select_related("association", "donor").order_by("-year", "association", "sequence")


def numbered_receipts(queryset: QuerySet | None = None) -> QuerySet:
    """The receipts that got a number: issued, and cancelled after their issue (their number stays taken)."""
    queryset = Receipt.objects.all() if queryset is None else queryset
    return (
        queryset.filter(status__in=[Receipt.Status.ISSUED, Receipt.Status.CANCELLED], sequence__isnull=False)
        .select_related("association", "donor")
        .order_by("-year", "association", "sequence")
    )


def receipts_for_member(user) -> QuerySet:
    """The receipts of the associations ``user`` belongs to."""
    if not user.is_authenticated:
        return Receipt.objects.none()
    return Receipt.objects.filter(association__memberships__user=user)


def receipts_for_donor_user(user) -> QuerySet:
    """The issued receipts of the donors ``user`` acts for."""
    return issued_receipts(Receipt.objects.filter(donor__in=Donor.objects.for_user(user)))


def donor_receipt_list(user) -> QuerySet:
    """The donor's space: its receipts issued, and those cancelled (shown as such, with the reason)."""
    return numbered_receipts(Receipt.objects.filter(donor__in=Donor.objects.for_user(user)))


def yearly_totals(queryset: QuerySet) -> list[dict]:
    """Per association and year: issued receipts, units and total value (one query)."""
    return list(
        queryset.issued()
        .values("association_id", "association__legal_name", "year")
        .annotate(receipts=Count("pk"), units=Sum("unit_count"), total=Sum("total_value"))
        .order_by("-year", "association__legal_name")
    )


def content_for_display(content: dict) -> dict:
    """The frozen content with its dates and amounts as Python values, for the templates."""

    def money(value):
        return None if value is None else Decimal(value)

    gift = content.get("gift", {})
    return {
        **content,
        "dates": [parse_date(day) for day in gift.get("dates", [])],
        "lines": [
            {**line, "unit_value": money(line["unit_value"]), "subtotal": money(line["subtotal"])}
            for line in gift.get("lines", [])
        ],
        "units": [{**unit, "handed_over_on": parse_date(unit["handed_over_on"])} for unit in gift.get("units", [])],
        "total": money(gift.get("total")),
        "count": gift.get("count", 0),
    }
