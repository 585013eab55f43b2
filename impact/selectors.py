"""Reads for the impact pages: public campaign statistics (cached), the association's reports, the dashboard.

The public statistics are a handful of aggregate queries whatever the size of the campaign, and
are cached under a version number that ``invalidate_stats`` bumps whenever a report, an
allocation, a handover or a campaign changes (see ``impact.signals``). Stock counts change
through bulk updates that send no signal: the cache also expires after ``STATS_TTL`` seconds.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from impact.carbon import co2e_avoided
from impact.models import ImpactReport

STATS_VERSION_KEY = "impact:stats:version"
STATS_TTL = 300


def _stats_version() -> int:
    version = cache.get(STATS_VERSION_KEY)
    if version is None:
        version = int(timezone.now().timestamp())  # a fresh cache never meets old entries
        cache.add(STATS_VERSION_KEY, version, None)
        version = cache.get(STATS_VERSION_KEY, version)
    return version


def _bump() -> None:
    try:
        cache.incr(STATS_VERSION_KEY)
    except ValueError:  # the key expired or was never set
        cache.set(STATS_VERSION_KEY, int(timezone.now().timestamp()), None)


def invalidate_stats() -> None:
    """Make every cached campaign statistic stale, once the current transaction commits."""
    transaction.on_commit(_bump, robust=True)


def campaign_stats(campaign) -> dict:
    """The public statistics of a campaign, from the cache when they are fresh."""
    # "v4": donor rows hold no hidden name, wave rows hold codes, and the CO2e estimate is there; entries cached by
    # an older release are never read.
    key = f"impact:stats:v4:{campaign.pk}:{_stats_version()}"
    stats = cache.get(key)
    if stats is None:
        stats = compute_campaign_stats(campaign)
        cache.set(key, stats, STATS_TTL)
    return stats


def _prefetched(campaign) -> bool:
    return "pledges" in getattr(campaign, "_prefetched_objects_cache", {})


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _approved_applications():
    """The applications whose granted quantity counts as « accordé » on the public pages."""
    from associations.models import Application

    return Application.objects.approved()


def _handed_allocations():
    """The allocations whose units count as « remis » on the public pages."""
    from donations.models import Allocation

    return Allocation.objects.filter(status=Allocation.Status.HANDED_OVER)


def public_pledge_order(pledge) -> tuple:
    """Named companies first, by name; then the anonymous ones, largest pledge first."""
    if pledge.donor.public_name_shown:
        return (0, pledge.donor.name.lower(), 0)
    return (1, "", -pledge.pledged_units)


def compute_campaign_stats(campaign) -> dict:
    """Pledged, received, ready, handed over; per wave, per postal code, per donor; impact. Seven queries at most."""
    from campaigns.models import CampaignDonor
    from donations.models import Allocation, AllocationUnit
    from inventory.models import Computer

    C = Computer.Status
    # Reuses the campaign page's prefetch of pledges__donor when there is one.
    if _prefetched(campaign):
        pledges = list(campaign.pledges.all())
    else:
        pledges = list(CampaignDonor.objects.filter(campaign=campaign).select_related("donor"))
    # Named companies by name, then the anonymous ones by size: the order never hints at a hidden name.
    pledges.sort(key=public_pledge_order)
    donor_ids = [p.donor_id for p in pledges]

    # Units received from the campaign's donors for the campaign's organiser, per donor and status (one query):
    # a donor that gives to several organisers' campaigns counts here only the lots received for this one.
    received_rows = (
        Computer.objects.filter(lot__donor_id__in=donor_ids, lot__organiser_id=campaign.organiser_id)
        .values("lot__donor_id", "status")
        .annotate(n=Count("pk"))
    )
    by_donor_status: dict[int, dict[str, int]] = {}
    for row in received_rows:
        by_donor_status.setdefault(row["lot__donor_id"], {})[row["status"]] = row["n"]

    # Units handed over through this campaign's allocations, per donor (one query).
    handed_rows = (
        AllocationUnit.objects.filter(
            released_at__isnull=True,
            allocation__wave__campaign=campaign,
            allocation__status=Allocation.Status.HANDED_OVER,
        )
        .values("computer__lot__donor_id", "computer__form_factor")
        .annotate(n=Count("pk"))
        .order_by()
    )
    handed_by_donor: dict[int, int] = {}
    handed_by_form_factor: dict[str, int] = {}  # for the CO2e avoided (impact.carbon), in the same query
    for r in handed_rows:
        handed_by_donor[r["computer__lot__donor_id"]] = handed_by_donor.get(r["computer__lot__donor_id"], 0) + r["n"]
        form_factor = r["computer__form_factor"]
        handed_by_form_factor[form_factor] = handed_by_form_factor.get(form_factor, 0) + r["n"]

    donors = []
    for pledge in pledges:
        statuses = by_donor_status.get(pledge.donor_id, {})
        received = sum(n for s, n in statuses.items())
        donors.append(
            {
                # None when the company did not agree to show its name (public data: never the hidden name).
                "name": pledge.donor.name if pledge.donor.public_name_shown else None,
                "pledged": pledge.pledged_units,
                "received": received,
                "ready": statuses.get(C.READY, 0) + statuses.get(C.RESERVED, 0),
                "handed_over": handed_by_donor.get(pledge.donor_id, 0),
            }
        )
    stock = {value: sum(by_donor_status.get(d, {}).get(value, 0) for d in donor_ids) for value in C.values}

    # Waves: units handed over and associations equipped (one query).
    A = Allocation.Status
    waves = []
    for wave in campaign.waves.annotate(
        handed_units=Coalesce(Sum("allocations__quantity", filter=Q(allocations__status=A.HANDED_OVER)), 0),
        allocated_units=Coalesce(
            Sum("allocations__quantity", filter=Q(allocations__status__in=Allocation.HOLDING_UNITS_STATUSES)), 0
        ),
        equipped=Count(
            "allocations__application__association",
            filter=Q(allocations__status=A.HANDED_OVER),
            distinct=True,
        ),
    ).order_by("number"):
        # Codes only: the cache holds no text (impact.views.labelled_stats adds the labels of each request).
        waves.append(
            {
                "number": wave.number,
                "final_lot": wave.is_final_lot,
                "name": wave.name,
                "status": wave.status,
                "capacity": wave.capacity,
                "allocated": wave.allocated_units,
                "handed_over": wave.handed_units,
                "associations_equipped": wave.equipped,
                "handover_starts_on": wave.handover_starts_on.isoformat() if wave.handover_starts_on else None,
            }
        )

    # Associations equipped, per postal code (one query), and overall (one query).
    handed = _handed_allocations().filter(wave__campaign=campaign)
    postal_rows = (
        handed.values("application__association__postal_code")
        .annotate(
            associations=Count("application__association", distinct=True),
            units=Coalesce(Sum("quantity"), 0),
        )
        .order_by("application__association__postal_code")
    )

    # Impact reported (one query for the totals, one per postal code).
    counted = ImpactReport.objects.filter(campaign=campaign).counted()
    impact = counted.aggregate(
        reports=Count("pk"),
        associations=Count("association", distinct=True),
        workshops_held=Coalesce(Sum("workshops_held"), 0),
        people_trained=Coalesce(Sum("people_trained"), 0),
        age_60_74=Coalesce(Sum("age_60_74"), 0),
        age_75_plus=Coalesce(Sum("age_75_plus"), 0),
        job_seekers=Coalesce(Sum("situation_job_seekers"), 0),
        young_out_of_school=Coalesce(Sum("situation_young_out_of_school"), 0),
        women=Coalesce(Sum("gender_women"), 0),
        hours=Sum("workshop_hours"),
    )
    impact["workshop_hours"] = float(impact.pop("hours") or 0)
    impact["age_60_plus"] = impact["age_60_74"] + impact["age_75_plus"]
    trained_by_postal = {
        r["association__postal_code"]: r["n"]
        for r in counted.values("association__postal_code").annotate(n=Coalesce(Sum("people_trained"), 0))
    }
    postal_codes = [
        {
            "postal_code": r["application__association__postal_code"],
            "associations_equipped": r["associations"],
            "handed_over": r["units"],
            "people_trained": trained_by_postal.get(r["application__association__postal_code"], 0),
        }
        for r in postal_rows
    ]
    approved = (
        _approved_applications()
        .filter(campaign=campaign)
        .aggregate(n=Count("pk"), granted=Coalesce(Sum("granted_quantity"), 0))
    )
    # An association has one postal code: the per-code rows add up to the campaign's totals.
    equipped = {
        "n": sum(p["associations_equipped"] for p in postal_codes),
        "units": sum(p["handed_over"] for p in postal_codes),
    }

    pledged = campaign.pledged_units
    received = sum(d["received"] for d in donors)
    ready = stock.get(C.READY, 0) + stock.get(C.RESERVED, 0)
    handed_over = equipped["units"]
    max_postal = max((p["handed_over"] for p in postal_codes), default=0)
    for p in postal_codes:
        p["bar"] = _pct(p["handed_over"], max_postal)
    return {
        "campaign": {"slug": campaign.slug, "name": campaign.name, "city": campaign.city},
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "pledged": pledged,
        "received": received,
        "ready": ready,
        "handed_over": handed_over,
        "approved_associations": approved["n"],
        "granted": approved["granted"],
        "associations_equipped": equipped["n"],
        "stock": stock,
        "funnel": [
            {"key": "pledged", "value": pledged, "bar": 100 if pledged else 0},
            {"key": "received", "value": received, "bar": _pct(received, pledged)},
            {"key": "ready", "value": ready, "bar": _pct(ready, pledged)},
            {"key": "handed_over", "value": handed_over, "bar": _pct(handed_over, pledged)},
        ],
        "waves": waves,
        "postal_codes": postal_codes,
        "donors": donors,
        "impact": impact,
        # An estimate, with its sources: the manufacturing of new computers the handed-over units replace.
        "co2e": co2e_avoided(handed_by_form_factor).as_dict(),
    }


def campaigns_figures(campaigns) -> dict[int, dict]:
    """The headline figures of many campaigns at once (the public list), by campaign id, in two queries
    whatever the number of campaigns: pledged, granted, handed over, associations equipped. The same
    definitions as ``compute_campaign_stats`` (``_approved_applications``, ``_handed_allocations``), so that the
    list and each campaign's page and open data always agree."""
    ids = [c.pk for c in campaigns]
    figures = {
        c.pk: {"pledged": c.pledged_units, "granted": 0, "handed_over": 0, "associations_equipped": 0}
        for c in campaigns
    }
    if not ids:
        return figures
    granted = (
        _approved_applications()
        .filter(campaign_id__in=ids)
        .order_by()
        .values("campaign_id")
        .annotate(granted=Coalesce(Sum("granted_quantity"), 0))
    )
    for row in granted:
        figures[row["campaign_id"]]["granted"] = row["granted"]
    handed = (
        _handed_allocations()
        .filter(wave__campaign_id__in=ids)
        .order_by()
        .values("wave__campaign_id")
        .annotate(units=Coalesce(Sum("quantity"), 0), associations=Count("application__association", distinct=True))
    )
    for row in handed:
        figures[row["wave__campaign_id"]].update(handed_over=row["units"], associations_equipped=row["associations"])
    return figures


# Open data: the same aggregates, flattened for CSV -------------------------------------------------


def stats_rows(stats: dict) -> list[tuple[str, str, str, int | float]]:
    """(section, key, label-free key 2, value) rows of the statistics, for the CSV download."""
    rows: list[tuple[str, str, str, int | float]] = []
    for key in (
        "pledged",
        "received",
        "ready",
        "handed_over",
        "approved_associations",
        "granted",
        "associations_equipped",
    ):
        rows.append(("campaign", key, "", stats[key]))
    for key, value in stats["impact"].items():
        rows.append(("impact", key, "", value))
    for status, value in stats["stock"].items():
        rows.append(("stock", status, "", value))
    for wave in stats["waves"]:
        for key in ("capacity", "allocated", "handed_over", "associations_equipped"):
            rows.append(("wave", key, str(wave["number"]), wave[key]))
    for postal in stats["postal_codes"]:
        for key in ("associations_equipped", "handed_over", "people_trained"):
            rows.append(("postal_code", key, postal["postal_code"], postal[key]))
    anonymous = 0
    for donor in stats["donors"]:
        if donor["name"] is None:
            anonymous += 1
        group = donor["name"] if donor["name"] is not None else f"anonymous-{anonymous}"
        for key in ("pledged", "received", "ready", "handed_over"):
            rows.append(("donor", key, group, donor[key]))
    co2e = stats.get("co2e") or {}
    for key in ("kg_co2e", "kg_co2e_low", "kg_co2e_high", "units_counted", "units_not_counted"):
        if co2e.get(key) is not None:
            rows.append(("co2e_estimate", key, "", co2e[key]))
    return rows


# The association's reports --------------------------------------------------------------------


def reports_for_user(user) -> QuerySet[ImpactReport]:
    return (
        ImpactReport.objects.for_user(user).select_related("campaign", "association").order_by("status", "due_on", "pk")
    )


def report_for_user(user, pk: int) -> QuerySet[ImpactReport]:
    return (
        ImpactReport.objects.for_user(user)
        .filter(pk=pk)
        .select_related("campaign", "association")
        .prefetch_related("events")
    )


def overdue_reports(*, campaign=None, today: datetime.date | None = None) -> QuerySet[ImpactReport]:
    qs = ImpactReport.objects.overdue(today).select_related("campaign", "association")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.order_by("due_on", "association__legal_name")


# The staff dashboard --------------------------------------------------------------------------


def campaign_dashboard(campaign, *, today: datetime.date | None = None) -> dict:
    """Funnel applications -> approved -> allocated -> handed over, stock, waves, overdue reports."""
    from associations.models import Application
    from donations.models import Allocation

    today = today or timezone.localdate()
    S = Application.Status
    apps = Application.objects.filter(campaign=campaign).aggregate(
        submitted=Count("pk", filter=~Q(status=S.DRAFT)),
        approved=Count("pk", filter=Q(status=S.APPROVED)),
        granted=Coalesce(Sum("granted_quantity", filter=Q(status=S.APPROVED)), 0),
    )
    A = Allocation.Status
    allocs = Allocation.objects.filter(wave__campaign=campaign).aggregate(
        allocated=Count(
            "application__association", filter=Q(status__in=Allocation.HOLDING_UNITS_STATUSES), distinct=True
        ),
        handed=Count("application__association", filter=Q(status=A.HANDED_OVER), distinct=True),
    )
    stats = compute_campaign_stats(campaign)
    funnel = [
        ("applications", apps["submitted"]),
        ("approved", apps["approved"]),
        ("allocated", allocs["allocated"]),
        ("handed_over", allocs["handed"]),
    ]
    top = max((v for _k, v in funnel), default=0)
    reports = ImpactReport.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        **{s: Count("pk", filter=Q(status=s)) for s in ImpactReport.Status.values},
        overdue=Count("pk", filter=Q(status__in=ImpactReport.DUE_STATUSES, due_on__lt=today)),
    )
    return {
        "funnel": [{"key": k, "value": v, "bar": _pct(v, top)} for k, v in funnel],
        "granted_units": apps["granted"],
        "stats": stats,
        "reports": reports,
        "overdue": list(overdue_reports(campaign=campaign, today=today)[:100]),
    }


def reports_todo(today: datetime.date | None = None, *, user=None) -> dict:
    """Reports sent and waiting to be read, and reports overdue (one query); with ``user``, of their organisers."""
    from campaigns.scoping import scope_to_user

    today = today or timezone.localdate()
    reports = ImpactReport.objects.all() if user is None else scope_to_user(ImpactReport.objects.all(), user)
    return reports.aggregate(
        to_read=Count("pk", filter=Q(status=ImpactReport.Status.SUBMITTED)),
        overdue=Count("pk", filter=Q(status__in=ImpactReport.OPEN_STATUSES, due_on__lt=today)),
    )
