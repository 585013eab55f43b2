"""The donor space's reads (/donor/): a company's pledges, its lots and how far each went, the associations its
units equipped, the people they trained and the CO2e avoided.

Everything a person sees is their donors' (``Donor.objects.for_user``); the whole page is read in a fixed
number of queries whatever the number of lots, units, associations or reports (tests/portal/test_donor_space.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.models import Association, Mission
from campaigns.models import CampaignDonor, Donor
from donations.models import Allocation, AllocationUnit
from impact.carbon import CarbonEstimate, co2e_avoided
from impact.models import ImpactReport
from inventory.models import Collection, Computer, ComputerEvent, Lot, WipeRecord
from inventory.selectors import difference_words

C = Computer.Status


@dataclass
class Stage:
    """One step of a lot's way: how many units reached it and when (first and last date)."""

    code: str
    label: str
    count: int | None  # None: not known (announced with no figure)
    first: datetime.date | None = None
    last: datetime.date | None = None


# The steps shown for every lot, in order (the stock's statuses, in the donor's words).
STAGES = (
    ("announced", _("Annoncés")),
    ("collected", _("Collectés")),
    ("received", _("Reçus à l'atelier")),
    ("reconditioning", _("En reconditionnement")),
    ("wiped", _("Données effacées")),
    ("ready", _("Prêts à donner")),
    ("handed_over", _("Remis aux associations")),
    ("scrapped", _("Mis au rebut")),
)


def lots_for_donors(donors: QuerySet[Donor]) -> QuerySet[Lot]:
    """The donors' lots with their counts per status and of units whose data were wiped, the day of their
    collection (one query), and their collections, latest first, with the confirmed slot (one more)."""
    confirmed = Collection.objects.filter(lot_id=OuterRef("pk"), status=Collection.Status.COLLECTED).order_by(
        "-created_at", "-pk"
    )
    return (
        Lot.objects.filter(donor__in=donors)
        .with_counts()
        .annotate(
            n_wiped=Count("computers", filter=Q(computers__wipe_record__isnull=False)),
            collected_on=Subquery(confirmed.values("confirmed_slot__date")[:1]),
        )
        .select_related("donor", "valuation")
        .prefetch_related(
            Prefetch(
                "collections",
                queryset=Collection.objects.select_related("confirmed_slot").order_by("-created_at", "-pk"),
                to_attr="collection_list",
            )
        )
        .order_by("-arrival_date", "reference")
    )


def lot_stages(lots: list[Lot]) -> dict[int, list[Stage]]:
    """Each lot's steps (``STAGES``) with counts and dates, in two queries whatever the number of units."""
    ids = [lot.pk for lot in lots]
    moved: dict[tuple[int, str], tuple] = {}
    if ids:
        rows = (
            ComputerEvent.objects.filter(computer__lot_id__in=ids, kind=ComputerEvent.Kind.STATUS)
            .values("computer__lot_id", "to_status")
            .annotate(first=Min("created_at"), last=Max("created_at"))
            .order_by()
        )
        moved = {(r["computer__lot_id"], r["to_status"]): (r["first"], r["last"]) for r in rows}
        wiped_rows = (
            WipeRecord.objects.filter(computer__lot_id__in=ids)
            .values("computer__lot_id")
            .annotate(first=Min("performed_on"), last=Max("performed_on"))
            .order_by()
        )
        wiped = {r["computer__lot_id"]: (r["first"], r["last"]) for r in wiped_rows}
    else:
        wiped = {}

    def day(value):
        if value is None:
            return None
        return timezone.localdate(value) if isinstance(value, datetime.datetime) else value

    def span(lot_id: int, status: str) -> tuple:
        first, last = moved.get((lot_id, status), (None, None))
        return day(first), day(last)

    stages = {}
    for lot in lots:
        # Units still in the workshop (received, or being reconditioned) and units that reached a step since.
        ready_now = getattr(lot, f"n_{C.READY}") + getattr(lot, f"n_{C.RESERVED}")
        workshop = getattr(lot, f"n_{C.RECEIVED}") + getattr(lot, f"n_{C.RECONDITIONING}")
        # Announced: when the stock recorded the lot, or the day it arrived if it was recorded afterwards.
        created = min(day(lot.created_at), lot.arrival_date)
        received = lot.received_count
        arrived = lot.arrival_date if received else None
        # Collected: the day of the confirmed collection slot when there is one, else the day the lot arrived.
        collected_on = getattr(lot, "collected_on", None) or arrived
        stages[lot.pk] = [
            Stage("announced", STAGES[0][1], lot.expected_count or None, created, created),
            Stage("collected", STAGES[1][1], received, collected_on, collected_on),
            Stage("received", STAGES[2][1], received, arrived, arrived),
            Stage("reconditioning", STAGES[3][1], workshop, *span(lot.pk, C.RECONDITIONING)),
            Stage("wiped", STAGES[4][1], lot.n_wiped, *wiped.get(lot.pk, (None, None))),
            Stage("ready", STAGES[5][1], ready_now, *span(lot.pk, C.READY)),
            Stage("handed_over", STAGES[6][1], getattr(lot, f"n_{C.HANDED_OVER}"), *span(lot.pk, C.HANDED_OVER)),
            Stage("scrapped", STAGES[7][1], getattr(lot, f"n_{C.SCRAPPED}"), *span(lot.pk, C.SCRAPPED)),
        ]
        lot.stages = stages[lot.pk]
        lot.difference = lot.received_count - lot.expected_count if lot.expected_count else None
        lot.difference_abs = abs(lot.difference or 0)
        lot.difference_words = difference_words(lot.expected_count, lot.received_count)
        collections = getattr(lot, "collection_list", [])
        lot.collection = collections[0] if collections else None
        # Announced against received, once the lot was collected or units reached the workshop.
        lot.show_difference = lot.difference is not None and bool(
            lot.received_count or (lot.collection and lot.collection.status == Collection.Status.COLLECTED)
        )
        # Slots may be proposed while the lot has none live and has not reached the workshop.
        lot.may_propose = not lot.received_count and (
            lot.collection is None or lot.collection.status in (Collection.Status.DECLINED, Collection.Status.CANCELLED)
        )
    return stages


@dataclass
class EquippedAssociation:
    association: Association
    units: int  # the donor's units handed over to it
    last_handed_over: datetime.date | None
    people_trained: int = 0  # reported by the association for the campaigns where it received the donor's units


@dataclass
class DonorSpace:
    donors: list[Donor]
    pledges: list[CampaignDonor]
    lots: list[Lot]
    stages: dict[int, list[Stage]]
    equipped: list[EquippedAssociation]
    people_trained: int
    carbon: CarbonEstimate
    totals: dict = field(default_factory=dict)

    @property
    def is_donor(self) -> bool:
        return bool(self.donors)


# The session remembers whether its person acts for a donor: the header shows « Espace donateur » on every page
# without a query (set at login, and again by the donor space itself).
DONOR_SPACE_SESSION_KEY = "donor_space"


def remember_donor_space(sender, request, user, **kwargs) -> None:
    """At login (``user_logged_in``): one query, so that no page pays one for the header's link."""
    if request is not None and hasattr(request, "session"):
        request.session[DONOR_SPACE_SESSION_KEY] = Donor.objects.for_user(user).exists()


def donor_space(user) -> DonorSpace:
    """Everything the donor space's home shows, in a fixed number of queries (about ten) whatever the data."""
    donors = list(Donor.objects.for_user(user).order_by("name"))
    if not donors:
        return DonorSpace([], [], [], {}, [], 0, co2e_avoided({}))
    donor_ids = [d.pk for d in donors]
    pledges = list(
        CampaignDonor.objects.filter(donor_id__in=donor_ids)
        .select_related("campaign", "donor")
        .order_by("-campaign__applications_open_on", "campaign__name", "donor__name")
    )
    lots = list(lots_for_donors(Donor.objects.filter(pk__in=donor_ids)))
    stages = lot_stages(lots)

    handed = (
        AllocationUnit.objects.filter(
            released_at__isnull=True,
            computer__lot__donor_id__in=donor_ids,
            computer__status=C.HANDED_OVER,
            allocation__status=Allocation.Status.HANDED_OVER,
        )
        .values("allocation__application__association_id", "allocation__wave__campaign_id")
        .annotate(n=Count("pk"), last=Max("allocation__handed_over_at"))
        .order_by()
    )
    per_association: dict[int, dict] = defaultdict(lambda: {"units": 0, "last": None, "campaigns": set()})
    for row in handed:
        entry = per_association[row["allocation__application__association_id"]]
        entry["units"] += row["n"]
        entry["campaigns"].add(row["allocation__wave__campaign_id"])
        if row["last"] and (entry["last"] is None or row["last"] > entry["last"]):
            entry["last"] = row["last"]
    associations = (
        Association.objects.filter(pk__in=list(per_association))
        .prefetch_related(Prefetch("missions", queryset=Mission.objects.order_by("pk")))
        .order_by("city", "legal_name")
    )
    # People trained: what the equipped associations reported (sent reports) for the campaigns where they
    # received the donor's units; their reports count every computer they have, not only the donor's.
    trained_rows = (
        ImpactReport.objects.counted()
        .filter(association_id__in=list(per_association))
        .values("association_id", "campaign_id")
        .annotate(n=Coalesce(Sum("people_trained"), 0))
        .order_by()
    )
    trained: dict[int, int] = defaultdict(int)
    for row in trained_rows:
        if row["campaign_id"] in per_association[row["association_id"]]["campaigns"]:
            trained[row["association_id"]] += row["n"]
    equipped = [
        EquippedAssociation(
            association=a,
            units=per_association[a.pk]["units"],
            last_handed_over=timezone.localdate(per_association[a.pk]["last"])
            if per_association[a.pk]["last"]
            else None,
            people_trained=trained[a.pk],
        )
        for a in associations
    ]
    carbon = co2e_avoided(Computer.objects.filter(lot__donor_id__in=donor_ids))
    totals = {
        "pledged": sum(p.pledged_units for p in pledges),
        "announced": sum(lot.expected_count for lot in lots),
        "received": sum(lot.received_count for lot in lots),
        "handed_over": sum(getattr(lot, f"n_{C.HANDED_OVER}") for lot in lots),
        "associations": len(equipped),
    }
    return DonorSpace(
        donors=donors,
        pledges=pledges,
        lots=lots,
        stages=stages,
        equipped=equipped,
        people_trained=sum(trained.values()),
        carbon=carbon,
        totals=totals,
    )


# The donor's documents (/donor/documents/) -----------------------------------------------------------------------


@dataclass
class DonorDocuments:
    donors: list[Donor]
    documents: list
    lots: list[Lot]
    pledges: list[CampaignDonor]
    public_bodies: list[Donor]  # the user's donors that may ask for a reuse attestation
    years: list[int]

    @property
    def is_donor(self) -> bool:
        return bool(self.donors)


def donor_documents_page(user) -> DonorDocuments:
    """The documents asked for the user's donors and what may be asked (their lots, their pledges, the years of a
    public body's reuse attestation), in five queries whatever the number of lots, pledges or documents."""
    from impact.models import DonorDocument

    donors = list(Donor.objects.for_user(user).order_by("name"))
    if not donors:
        return DonorDocuments([], [], [], [], [], [])
    donor_ids = [d.pk for d in donors]
    documents = list(
        DonorDocument.objects.filter(donor_id__in=donor_ids)
        .select_related("donor", "lot", "campaign")
        .order_by("-created_at", "-pk")[:100]
    )
    lots = list(
        Lot.objects.filter(donor_id__in=donor_ids).select_related("donor").order_by("-arrival_date", "reference")
    )
    pledges = list(
        CampaignDonor.objects.filter(donor_id__in=donor_ids)
        .select_related("campaign", "donor")
        .order_by("-campaign__applications_open_on", "campaign__name", "donor__name")
    )
    public_bodies = [d for d in donors if d.is_public_body]
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - 6, -1)) if public_bodies else []
    return DonorDocuments(donors, documents, lots, pledges, public_bodies, years)
