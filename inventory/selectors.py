"""Reads that the stock pages need, each in a constant number of queries."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from inventory.models import Computer, Lot

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


def stock_todo() -> dict:
    """The stock operators' to-do list: units waiting for a wipe, units to check (one query)."""
    from inventory.models import AWAITING_CHECK, AWAITING_WIPE

    return Computer.objects.aggregate(wipe=Count("pk", filter=AWAITING_WIPE), check=Count("pk", filter=AWAITING_CHECK))


def code_candidates(code: str) -> str:
    """What a scanned or typed code names: the label's QR code holds the asset tag; a scanner may also read a
    serial number's barcode, and a QR code holding a web address (another tool's label) ends with the tag.
    Spaces and case do not count (identifiers are stored in capitals without spaces)."""
    text = (code or "").strip()
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return "".join(ch for ch in text if ch.isprintable() and not ch.isspace()).upper()


def computers_by_code(code: str, limit: int = 10) -> list[Computer]:
    """The units whose asset tag or serial number is exactly ``code`` (one query). A serial number is unique
    per manufacturer only: two makers' units may answer the same code."""
    needle = code_candidates(code)
    if not needle or len(needle) > MAX_CODE_LENGTH:
        return []
    return list(
        Computer.objects.select_related("lot", "wipe_record")
        .filter(Q(asset_tag=needle) | Q(serial_number=needle))
        .order_by("asset_tag")[:limit]
    )
