"""Reads that the stock pages need, each in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from campaigns.models import CampaignDonor
from inventory.models import DEFAULT_CHECKLIST, ChecklistItem, Collection, Computer, Lot

S = Computer.Status
# Spec rows shown in the stock summary before the rest is summed up.
SUMMARY_SPEC_ROWS = 12
# The longest identifier a unit has (its serial number's field): a longer scanned code names no unit.
MAX_CODE_LENGTH = 64


def status_counts(queryset: QuerySet[Computer] | None = None) -> list[dict]:
    """One entry per status, in the order of the flow, with its count (one query)."""
    qs = queryset if queryset is not None else Computer.objects.all()
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return [{"status": value, "label": label, "count": counts.get(value, 0)} for value, label in S.choices]


def stock_summary(queryset: QuerySet[Computer]) -> dict:
    """Counts by status and by specification (model, CPU, RAM, storage) of ``queryset``, in one query."""
    per_status = {f"n_{value}": Count("pk", filter=Q(status=value)) for value in S.values}
    rows = list(
        queryset.order_by()
        .values("manufacturer", "model", "cpu", "ram_gb", "storage_gb", "storage_type")
        .annotate(total=Count("pk"), **per_status)
        .order_by("-total", "manufacturer", "model", "ram_gb")
    )
    totals = {value: sum(row[f"n_{value}"] for row in rows) for value in S.values}
    specs = []
    for row in rows[:SUMMARY_SPEC_ROWS]:
        specs.append(
            {
                "manufacturer": row["manufacturer"],
                "model": row["model"],
                "cpu": row["cpu"],
                "ram_gb": row["ram_gb"],
                "storage_gb": row["storage_gb"],
                "storage_type": Computer.StorageType(row["storage_type"]).label if row["storage_type"] else "",
                "counts": [row[f"n_{value}"] for value in S.values],
                "total": row["total"],
                "in_stock": row["total"] - row["n_handed_over"] - row["n_scrapped"],
            }
        )
    others = rows[SUMMARY_SPEC_ROWS:]
    other = None
    if others:
        other = {
            "specs": len(others),
            "counts": [sum(row[f"n_{value}"] for row in others) for value in S.values],
            "total": sum(row["total"] for row in others),
        }
    return {
        "statuses": [{"status": value, "label": label, "count": totals[value]} for value, label in S.choices],
        "columns": [label for _value, label in S.choices],
        "specs": specs,
        "other": other,
        "total": sum(row["total"] for row in rows),
        "available": totals[S.READY],
        "in_progress": totals[S.RECEIVED] + totals[S.RECONDITIONING],
    }


def scrapped_by_cause(queryset: QuerySet[Computer]) -> list[dict]:
    """Scrapped units of ``queryset`` per cause, with what became of their storage, in one query (largest first)."""
    outcomes = Computer.StorageOutcome
    per_outcome = {f"n_{value}": Count("pk", filter=Q(storage_outcome=value)) for value in outcomes.values}
    rows = (
        queryset.order_by()
        .filter(status=S.SCRAPPED)
        .values("scrap_cause")
        .annotate(total=Count("pk"), **per_outcome)
        .order_by("-total", "scrap_cause")
    )
    labels = dict(Computer.ScrapCause.choices)
    return [
        {
            "cause": row["scrap_cause"],
            "label": labels.get(row["scrap_cause"], row["scrap_cause"]),
            "total": row["total"],
            "storage": [(label, row[f"n_{value}"]) for value, label in outcomes.choices if row[f"n_{value}"]],
        }
        for row in rows
    ]


def lot_units(lot: Lot) -> QuerySet[Computer]:
    return lot.computers.order_by("asset_tag")


def computers_for_labels(queryset: QuerySet[Computer]) -> QuerySet[Computer]:
    return queryset.select_related(None).select_related("lot").order_by("asset_tag")


def stock_todo(*, user=None) -> dict:
    """The stock operators' to-do list: units waiting for a wipe, for their functional test, to check (one
    query); with ``user``, of the lots of their organisers."""
    from campaigns.scoping import scope_to_user
    from inventory.models import AWAITING_CHECK, AWAITING_TEST, AWAITING_WIPE

    units = Computer.objects.all() if user is None else scope_to_user(Computer.objects.all(), user, "lot__organiser")
    return units.aggregate(
        wipe=Count("pk", filter=AWAITING_WIPE),
        test=Count("pk", filter=AWAITING_TEST),
        check=Count("pk", filter=AWAITING_CHECK),
    )


def code_candidates(code: str) -> str:
    """What a scanned or typed code names: the label's QR code holds the asset tag; a scanner may also read a
    serial number's barcode, and a QR code holding a web address (another tool's label) ends with the tag.
    Spaces and case do not count (identifiers are stored in capitals without spaces)."""
    text = (code or "").strip()
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return "".join(ch for ch in text if ch.isprintable() and not ch.isspace()).upper()


def computers_by_code(code: str, limit: int = 10, *, user=None) -> list[Computer]:
    """The units whose asset tag or serial number is exactly ``code`` (one query). A serial number is unique
    per manufacturer only: two makers' units may answer the same code. With ``user``, only the units of the
    lots of their organisers: another organiser's unit is not found."""
    from campaigns.scoping import scope_to_user

    needle = code_candidates(code)
    if not needle or len(needle) > MAX_CODE_LENGTH:
        return []
    units = Computer.objects.all() if user is None else scope_to_user(Computer.objects.all(), user, "lot__organiser")
    return list(
        units.select_related("lot", "wipe_record")
        .filter(Q(asset_tag=needle) | Q(serial_number=needle))
        .order_by("asset_tag")[:limit]
    )


# Functional test checklists ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checklist:
    """The items a unit is tested on: its campaign's active checklist, or the default one."""

    name: str
    items: tuple[tuple[str, str], ...]  # (label, how to check it), in order

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _help in self.items)


def default_checklist() -> Checklist:
    return Checklist(
        name=gettext("liste par défaut"), items=tuple((str(label), str(text)) for label, text in DEFAULT_CHECKLIST)
    )


def checklists_for(computer_ids: Iterable[int]) -> dict[int, Checklist]:
    """The checklist of each unit, in three queries whatever their number.

    The stock is not tied to a campaign before allocation: a unit is tested on the checklist of the newest
    campaign its lot's donor pledged to that has active items (the campaigns' usual order), else on the default.
    """
    ids = list(computer_ids)
    donor_of = dict(Computer.objects.filter(pk__in=ids).values_list("pk", "lot__donor_id"))
    donors = set(donor_of.values())
    campaign_of_donor: dict[int, int] = {}
    names: dict[int, str] = {}
    pledges = (
        CampaignDonor.objects.filter(donor_id__in=donors, campaign__checklist_items__active=True)
        .order_by("-campaign__applications_open_on", "campaign__name", "campaign_id")
        .values_list("donor_id", "campaign_id", "campaign__name")
    )
    for donor_id, campaign_id, name in pledges:
        campaign_of_donor.setdefault(donor_id, campaign_id)
        names[campaign_id] = name
    items: dict[int, list[tuple[str, str]]] = {}
    chosen = ChecklistItem.objects.filter(campaign_id__in=set(campaign_of_donor.values()), active=True)
    for campaign_id, label, text in chosen.order_by("position", "pk").values_list("campaign_id", "label", "help_text"):
        items.setdefault(campaign_id, []).append((label, text))
    checklists = {
        campaign_id: Checklist(name=names[campaign_id], items=tuple(rows)) for campaign_id, rows in items.items()
    }
    fallback = default_checklist()
    return {pk: checklists.get(campaign_of_donor.get(donor), fallback) for pk, donor in donor_of.items()}


# Collections ---------------------------------------------------------------------------------------------------


def difference_words(expected: int, received: int) -> str:
    """What was received against what was announced, in plain words (« 3 de moins que prévu »); empty when
    nothing was announced."""
    from django.utils.translation import ngettext

    if not expected:
        return ""
    gap = received - expected
    if gap == 0:
        return gettext("comme prévu")
    if gap < 0:
        return ngettext("%(n)s de moins que prévu", "%(n)s de moins que prévu", -gap) % {"n": -gap}
    return ngettext("%(n)s de plus que prévu", "%(n)s de plus que prévu", gap) % {"n": gap}


def latest_collection(lot) -> Collection | None:
    """The lot's latest collection with its slots (two queries), for the lot's page."""
    return (
        Collection.objects.filter(lot=lot)
        .select_related("confirmed_slot")
        .prefetch_related("slots")
        .order_by("-created_at", "-pk")
        .first()
    )


def latest_collection_status(lot_ref: str = "pk"):
    """A subquery annotation: the status of the lot's latest collection (None: none)."""
    return Subquery(
        Collection.objects.filter(lot_id=OuterRef(lot_ref)).order_by("-created_at", "-pk").values("status")[:1]
    )
