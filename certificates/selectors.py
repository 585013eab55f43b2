"""Reads of the certificates app: the certificate's content, the print desk, verification, downloads."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates import codes
from certificates.models import Handover
from donations.models import HOLDING_UNITS_STATUSES, Allocation

S = Handover.State

# Allocations that have (or should have) a certificate: those holding units.
CERTIFIED_ALLOCATION_STATUSES = HOLDING_UNITS_STATUSES


def wait_duration(elapsed: datetime.timedelta) -> str:
    """« moins d'une minute », « 3 min », « 1 h 05 min »."""
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    if minutes < 1:
        return _("moins d'une minute")
    if minutes < 60:
        return ngettext("%(n)s min", "%(n)s min", minutes) % {"n": minutes}
    return _("%(h)s h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


def waiting_label(state: str, queued_at, render_started_at, now: datetime.datetime | None = None) -> str:
    """How long a certificate waits: for a worker (pending), or for its render to finish (rendering).

    A worker killed mid-render leaves its certificate « rendering » until the sweep re-queues it
    (CERTIFICATES_RENDERING_STUCK_SECONDS): the desk shows the wait rather than a silent spinner.
    """
    now = now or timezone.now()
    if state == S.PENDING and queued_at:
        return _("en attente d'un worker depuis %(duration)s") % {"duration": wait_duration(now - queued_at)}
    if state == S.RENDERING and render_started_at:
        return _("en cours de production depuis %(duration)s") % {"duration": wait_duration(now - render_started_at)}
    return ""


def _allocation_model():
    from donations.models import Allocation

    return Allocation


def appointment_order(prefix: str = "") -> list:
    """Allocations in the order the association comes to the counter (``prefix``: the path to the allocation)."""
    return [
        F(f"{prefix}appointment_date").asc(nulls_last=True),
        F(f"{prefix}appointment_start").asc(nulls_last=True),
        f"{prefix}position",
        f"{prefix}pk",
    ]


def handover_order() -> list:
    """Certificates in the order of their allocations at the counter."""
    return appointment_order("allocation__")


# The certificate ------------------------------------------------------------------------------


def wipe_evidence(computer) -> dict:
    """How the unit's data was cleared, in the short words of the certificate's table."""
    from inventory.models import WipeRecord

    record = computer.wipe_record
    if record is None:
        return {"label": _("aucune preuve d'effacement"), "detail": "", "tool": "", "date": None, "missing": True}
    if record.kind == WipeRecord.Kind.EXEMPTION:
        exemptions = {
            WipeRecord.Exemption.NO_DRIVE: _("Exemption : sans disque"),
            WipeRecord.Exemption.DRIVE_KEPT: _("Exemption : disque conservé par le donateur"),
            WipeRecord.Exemption.NEW_DRIVE: _("Exemption : disque neuf, ancien détruit"),
        }
        label = exemptions.get(record.exemption, record.get_exemption_display())
        detail, tool = record.exemption_reason, ""
    else:
        methods = {
            WipeRecord.Method.NIST_CLEAR: _("NIST 800-88 Clear"),
            WipeRecord.Method.NIST_PURGE: _("NIST 800-88 Purge"),
            WipeRecord.Method.DESTROY: _("Disque détruit"),
        }
        label = methods.get(record.method, record.get_method_display())
        detail = _("rapport %(ref)s") % {"ref": record.report_reference} if record.report_reference else ""
        tool = " ".join(part for part in (record.tool, record.tool_version) if part)
    return {"label": label, "detail": detail, "tool": tool, "date": record.performed_on, "missing": False}


@dataclass
class UnitLine:
    computer: object
    wipe: dict

    @property
    def storage_label(self) -> str:
        c = self.computer
        if not c.storage_gb:
            return "–"
        kind = {"ssd": "SSD", "nvme": "SSD NVMe", "hdd": "HDD"}.get(c.storage_type, "")
        return f"{c.storage_gb} Go {kind}".strip()


@dataclass
class CertificateData:
    handover: Handover
    allocation: object
    wave: object
    campaign: object
    association: object
    donors: list[str]
    units: list[UnitLine]
    refused: list[UnitLine] = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def certificate_data(handover_id: int) -> CertificateData:
    """Everything printed on a certificate, in four queries whatever the number of units."""
    from donations.models import AllocationUnit

    handover = Handover.objects.select_related(
        "allocation__wave__campaign", "allocation__application__association", "operator"
    ).get(pk=handover_id)
    allocation = handover.allocation
    campaign = allocation.wave.campaign
    donors = [p.donor.name for p in campaign.pledges.select_related("donor").order_by("-pledged_units", "donor__name")]
    links = list(
        AllocationUnit.objects.filter(allocation=allocation)
        .select_related("computer__wipe_record")
        .order_by("computer__asset_tag", "pk")
    )
    refused_ids = set(handover.refused_computers.values_list("pk", flat=True)) if handover.is_signed else set()
    units = [UnitLine(link.computer, wipe_evidence(link.computer)) for link in links if link.released_at is None]
    refused = [
        UnitLine(link.computer, wipe_evidence(link.computer)) for link in links if link.computer_id in refused_ids
    ]
    models = Counter(f"{u.computer.manufacturer} {u.computer.model}" for u in units)
    totals = {
        "units": len(units),
        "keyboards": sum(1 for u in units if u.computer.has_keyboard),
        "mice": sum(1 for u in units if u.computer.has_mouse),
        "wiped": sum(1 for u in units if not u.wipe["missing"]),
        "models": sorted(models.items(), key=lambda item: (-item[1], item[0])),
        "wipe_tools": sorted(Counter(u.wipe["tool"] for u in units if u.wipe["tool"]).items()),
        "refused": len(refused),
    }
    return CertificateData(
        handover=handover,
        allocation=allocation,
        wave=allocation.wave,
        campaign=campaign,
        association=allocation.application.association,
        donors=donors,
        units=units,
        refused=refused,
        totals=totals,
    )


# The print desk -------------------------------------------------------------------------------


def _count_per_wave(queryset) -> Coalesce:
    """A correlated count per wave (a subquery: no join that multiplies rows)."""
    counted = queryset.filter(wave=OuterRef("pk")).order_by().values("wave").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def desk_waves(*, user=None) -> QuerySet:
    """Waves with confirmed allocations, with the counts the desk index shows (one query); with ``user``, only
    the waves of the organisers they work for."""
    from campaigns.scoping import scope_to_user
    from donations.models import Wave

    live = Handover.objects.live()
    waves = Wave.objects.all() if user is None else scope_to_user(Wave.objects.all(), user)
    return (
        waves.exclude(status=Wave.Status.PLANNING)  # confirmed, distributing or closed
        .select_related("campaign")
        .annotate(
            allocation_n=_count_per_wave(_allocation_model().objects.filter(status__in=CERTIFIED_ALLOCATION_STATUSES)),
            ready_n=_count_per_wave(live.filter(state=S.READY)),
            failed_n=_count_per_wave(live.filter(state=S.FAILED)),
            signed_n=_count_per_wave(live.filter(signed_at__isnull=False)),
        )
        .filter(allocation_n__gt=0)
        .order_by("-campaign__applications_open_on", "campaign__name", "number")
    )


@dataclass
class DeskRow:
    allocation: object
    handover: Handover | None

    @property
    def state(self) -> str:
        return self.handover.state if self.handover else "missing"

    @property
    def state_label(self) -> str:
        return self.handover.get_state_display() if self.handover else _("Pas encore créée")

    @property
    def wait(self) -> str:
        h = self.handover
        return waiting_label(h.state, h.queued_at, h.render_started_at) if h else ""

    @property
    def to_record(self) -> bool:
        """Confirmed, its certificate exists and is not signed yet: the counter can record it."""
        h = self.handover
        return bool(h) and self.allocation.status == Allocation.Status.CONFIRMED and not h.is_signed


@dataclass
class DeskDay:
    day: datetime.date | None
    rows: list[DeskRow]
    is_today: bool = False


@dataclass
class Desk:
    wave: object
    rows: list[DeskRow]
    day: datetime.date | None = None  # the day shown (None: every day)

    @property
    def appointment_days(self) -> list[datetime.date]:
        return sorted({row.allocation.appointment_date for row in self.rows if row.allocation.appointment_date})

    @property
    def shown_rows(self) -> list[DeskRow]:
        if self.day is None:
            return self.rows
        return [row for row in self.rows if row.allocation.appointment_date == self.day]

    @property
    def days(self) -> list[DeskDay]:
        """The shown rows grouped by appointment day, in time order (rows with no appointment last)."""
        today = timezone.localdate()
        groups: list[DeskDay] = []
        for row in self.shown_rows:
            day = row.allocation.appointment_date
            if not groups or groups[-1].day != day:
                groups.append(DeskDay(day=day, rows=[], is_today=day == today))
            groups[-1].rows.append(row)
        return groups

    @property
    def next_row(self) -> DeskRow | None:
        """The first appointment still to record among the shown rows, in time order."""
        return next((row for row in self.shown_rows if row.to_record), None)

    def next_after(self, handover_id: int) -> DeskRow | None:
        """The appointment to record after ``handover_id``'s: the next one in time order, else the first one
        left (an association that came late)."""
        index = next((i for i, row in enumerate(self.rows) if row.handover and row.handover.pk == handover_id), -1)
        later = self.rows[index + 1 :] + self.rows[: max(index, 0)]
        return next((row for row in later if row.to_record and row.handover.pk != handover_id), None)

    @property
    def counts(self) -> dict:
        states = Counter(row.state for row in self.rows)
        total = len(self.rows)
        return {
            "total": total,
            "ready": states[S.READY],
            "pending": states[S.PENDING] + states["missing"],
            "rendering": states[S.RENDERING],
            "failed": states[S.FAILED],
            "signed": sum(1 for row in self.rows if row.handover and row.handover.is_signed),
            "handed_over": sum(1 for row in self.rows if row.allocation.status == Allocation.Status.HANDED_OVER),
            "units": sum(row.allocation.quantity for row in self.rows),
        }


def desk_day(wave_days: list[datetime.date], requested: str | None) -> datetime.date | None:
    """The day the desk shows: ``?day=YYYY-MM-DD`` (``?day=all``: every day); by default today when the wave
    has appointments today, else every day."""
    if requested == "all":
        return None
    if requested:
        try:
            day = datetime.date.fromisoformat(requested)
        except ValueError:
            day = None
        return day if day in wave_days else None
    today = timezone.localdate()
    return today if today in wave_days else None


def desk(wave, day: str | None = "all") -> Desk:
    """Every certified allocation of the wave with its certificate, in appointment order: one query.

    ``day``: the ``?day=`` parameter (see ``desk_day``); the default shows every day.
    """
    allocations = (
        _allocation_model()
        .objects.filter(wave=wave, status__in=CERTIFIED_ALLOCATION_STATUSES)
        .select_related("application__association", "handover")
        .order_by(*appointment_order())
    )
    rows = []
    for allocation in allocations:
        try:
            handover = allocation.handover
        except Handover.DoesNotExist:
            handover = None
        rows.append(DeskRow(allocation, handover))
    result = Desk(wave=wave, rows=rows)
    result.day = desk_day(result.appointment_days, day)
    return result


def wave_progress(wave) -> dict:
    """The small JSON the print desk polls: counts and each certificate's state (two queries)."""
    total = _allocation_model().objects.filter(wave=wave, status__in=CERTIFIED_ALLOCATION_STATUSES).count()
    rows = list(
        Handover.objects.for_wave(wave)
        .live()
        .order_by("pk")
        .values("pk", "allocation_id", "state", "error", "signed_at", "attempts", "queued_at", "render_started_at")
    )
    now = timezone.now()
    states = Counter(row["state"] for row in rows)
    labels = dict(S.choices)
    ready = states[S.READY]
    return {
        "total": total,
        "ready": ready,
        "pending": states[S.PENDING] + (total - len(rows)),
        "rendering": states[S.RENDERING],
        "failed": states[S.FAILED],
        "signed": sum(1 for row in rows if row["signed_at"]),
        "percent": round(100 * ready / total) if total else 100,
        "done": states[S.PENDING] + states[S.RENDERING] == 0 and len(rows) == total,
        "rows": [
            {
                "id": row["pk"],
                "allocation": row["allocation_id"],
                "state": row["state"],
                "label": _("Signée") if row["signed_at"] and row["state"] == S.READY else str(labels[row["state"]]),
                "error": row["error"],
                "attempts": row["attempts"],
                "wait": waiting_label(row["state"], row["queued_at"], row["render_started_at"], now),
            }
            for row in rows
        ],
    }


def handovers_to_print(wave) -> list[Handover]:
    """The wave's live certificates in appointment order (what « print all » merges)."""
    return list(
        Handover.objects.for_wave(wave)
        .live()
        .select_related("allocation__application__association")
        .order_by(*handover_order())
    )


# Association space and verification ---------------------------------------------------------


def handovers_visible_to(user) -> QuerySet[Handover]:
    return Handover.objects.visible_to(user).select_related(
        "allocation__application__association", "allocation__wave__campaign"
    )


def handovers_for_allocations(user, allocations) -> list[Handover]:
    """The certificates of the allocations shown in an association's space that ``user`` may see (one query)."""
    ids = [a.pk for a in allocations]
    if not ids:
        return []
    return list(
        Handover.objects.visible_to(user)
        .filter(allocation_id__in=ids)
        .select_related("allocation__wave")
        .order_by("allocation__wave__number", "pk")
    )


def _verification_queryset() -> QuerySet[Handover]:
    return Handover.objects.select_related("allocation__wave__campaign", "allocation__application__association")


def handover_for_verification(code: str) -> Handover | None:
    """The certificate of a verification code, typed or scanned: a new code in any case, with or without
    spaces and dashes, O for 0, I or L for 1; an old code exactly as printed. One query."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        return None
    candidates = {code}
    canonical = codes.normalise(code)
    if canonical:
        candidates.add(canonical)
    return _verification_queryset().filter(code__in=candidates).first()


def handover_for_lookup(typed: str) -> Handover | None:
    """The certificate of a number (``MARSEILLE-2026-V1-001``, any case) or of a verification code. One query."""
    typed = (typed or "").strip()
    if not typed or len(typed) > 120:
        return None
    number = " ".join(typed.split()).upper()
    numbers = {number, number.replace(" ", "-")}
    candidates = {typed}
    canonical = codes.normalise(typed)
    if canonical:
        candidates.add(canonical)
    return _verification_queryset().filter(Q(number__in=numbers) | Q(code__in=candidates)).first()


def desk_today(today: datetime.date | None = None, *, user=None) -> list[dict]:
    """The handover desk's day: per wave, the appointments of ``today`` (confirmed allocations, still to hand
    over or handed over today) and the certificates that failed to render (two queries)."""
    from donations.models import Wave

    today = today or timezone.localdate()
    rows = (
        Allocation.objects.filter(status__in=CERTIFIED_ALLOCATION_STATUSES, appointment_date=today)
        .order_by()
        .values("wave_id")
        .annotate(
            appointments=Count("pk"),
            waiting=Count("pk", filter=~Q(status=Allocation.Status.HANDED_OVER)),
            first=Min("appointment_start"),
        )
    )
    per_wave = {row["wave_id"]: row for row in rows}
    failed = dict(
        Handover.objects.live()
        .filter(state=S.FAILED)
        .order_by()
        .values_list("allocation__wave_id")
        .annotate(n=Count("pk"))
    )
    ids = set(per_wave) | set(failed)
    if not ids:
        return []
    from campaigns.scoping import scope_to_user

    # The counts above may cover other organisers' waves: only the user's waves are shown (and counted).
    scoped = Wave.objects.all() if user is None else scope_to_user(Wave.objects.all(), user)
    waves = scoped.filter(pk__in=ids).select_related("campaign").order_by("campaign__name", "number")
    return [
        {
            "wave": wave,
            "appointments": per_wave.get(wave.pk, {}).get("appointments", 0),
            "waiting": per_wave.get(wave.pk, {}).get("waiting", 0),
            "first": per_wave.get(wave.pk, {}).get("first"),
            "failed": failed.get(wave.pk, 0),
        }
        for wave in waves
    ]
