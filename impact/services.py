"""Every write on impact reports goes through these functions.

Each one is atomic, checks the status change against ``TRANSITIONS``, writes an append-only
``ImpactReportEvent`` with the acting user and queues emails after commit. The periodic task
calls ``impact_reports_schedule`` (the reports each equipped association owes) and
``impact_reminders_send`` (reminders before and after the due date, each recorded once).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.selectors import association_recipients
from core.emails import notify
from core.errors import DomainError, TransitionError
from core.textlimits import required_text
from core.transitions import transition
from impact.models import (
    AGE_FIELDS,
    COUNT_FIELDS,
    GENDER_FIELDS,
    MACHINE_FIELDS,
    REOPEN_REASON_MAX,
    SITUATION_FIELDS,
    CampaignReporting,
    ImpactReminder,
    ImpactReport,
    ImpactReportEvent,
)

S = ImpactReport.Status

TRANSITIONS = ImpactReport.TRANSITIONS

EDITABLE_FIELDS = (*COUNT_FIELDS, "workshop_hours", "comment")


def _lock(report: ImpactReport) -> ImpactReport:
    return ImpactReport.objects.select_for_update().select_related("campaign", "association").get(pk=report.pk)


# Calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reporting:
    period_months: int
    starts_on: datetime.date
    grace_days: int
    remind_days_before: int
    remind_days_after: int


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def reporting_for(campaign, row: CampaignReporting | None = None) -> Reporting:
    """The campaign's reporting calendar, with the defaults when it has none (calendar quarters)."""
    if row is None:
        row = CampaignReporting.objects.filter(campaign=campaign).first()
    default_start = datetime.date(campaign.applications_open_on.year, 1, 1)
    if row is None:
        return Reporting(3, default_start, 15, 7, 7)
    return Reporting(
        row.period_months, row.starts_on or default_start, row.grace_days, row.remind_days_before, row.remind_days_after
    )


def periods_between(reporting: Reporting, first_day: datetime.date, today: datetime.date):
    """(start, end, due) of every period that contains or follows ``first_day`` and has begun by ``today``."""
    index = 0
    while True:
        start = add_months(reporting.starts_on, index * reporting.period_months)
        if start > today:
            return
        end = add_months(reporting.starts_on, (index + 1) * reporting.period_months) - datetime.timedelta(days=1)
        if end >= first_day:
            yield start, end, end + datetime.timedelta(days=reporting.grace_days)
        index += 1
        if index > 1200:  # a hundred years of monthly periods: a corrupted calendar, not a loop forever
            return


@transaction.atomic
def impact_reports_schedule(*, today: datetime.date | None = None, campaign=None) -> int:
    """Create the reports that equipped associations owe for every period begun so far. Idempotent.

    A few queries whatever the number of associations: one aggregate over handed-over allocations,
    one over existing reports, one bulk insert.
    """
    from campaigns.models import Campaign
    from donations.models import Allocation

    today = today or timezone.localdate()
    handed = Allocation.objects.filter(status=Allocation.Status.HANDED_OVER, handed_over_at__isnull=False)
    if campaign is not None:
        handed = handed.filter(wave__campaign=campaign)
    # The first day of the obligation: the signed handover's date when there is one, else when recorded.
    rows = list(
        handed.values("wave__campaign_id", "application__association_id").annotate(
            first=Min("handed_over_at"),
            first_signed=Min("handover__handed_over_on"),
            first_id=Min("pk"),
            received=Sum("quantity"),
        )
    )
    if not rows:
        return 0
    campaign_ids = {r["wave__campaign_id"] for r in rows}
    campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=campaign_ids)}
    settings_rows = {r.campaign_id: r for r in CampaignReporting.objects.filter(campaign_id__in=campaign_ids)}
    calendars = {pk: reporting_for(c, settings_rows.get(pk)) for pk, c in campaigns.items()}
    existing = set(
        ImpactReport.objects.filter(campaign_id__in=campaign_ids).values_list(
            "campaign_id", "association_id", "period_start"
        )
    )
    new = []
    for row in rows:
        campaign_id, association_id = row["wave__campaign_id"], row["application__association_id"]
        first_day = row["first_signed"] or timezone.localdate(row["first"])
        for start, end, due in periods_between(calendars[campaign_id], first_day, today):
            if (campaign_id, association_id, start) in existing:
                continue
            new.append(
                ImpactReport(
                    campaign_id=campaign_id,
                    association_id=association_id,
                    allocation_id=row["first_id"],
                    period_start=start,
                    period_end=end,
                    due_on=due,
                    machines_received=row["received"] or 0,
                )
            )
    ImpactReport.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        from impact.selectors import invalidate_stats

        invalidate_stats()
    return len(new)


# Filing ---------------------------------------------------------------------------------------


def _as_int(value, field: str, errors: dict) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = _("Indiquez un nombre entier.")
        return 0
    if number < 0:
        errors[field] = _("Ce nombre ne peut pas être négatif.")
    elif number > 1_000_000:
        errors[field] = _("Ce nombre est trop grand.")
    return number


def check_counts(values: dict, *, machines_received: int) -> dict[str, str]:
    """The errors of a set of counts, per field, in French (empty when consistent)."""
    errors: dict[str, str] = {}
    n = {name: _as_int(values.get(name), name, errors) for name in COUNT_FIELDS}
    try:
        hours = Decimal(str(values.get("workshop_hours") or 0))
    except (InvalidOperation, ValueError):
        errors["workshop_hours"] = _("Indiquez un nombre d'heures, par exemple 12,5.")
        hours = Decimal(0)
    if hours < 0:
        errors["workshop_hours"] = _("Ce nombre ne peut pas être négatif.")
    elif hours > 100_000:
        errors["workshop_hours"] = _("Ce nombre est trop grand.")
    if errors:
        return errors
    if n["workshops_held"] and not hours:
        errors["workshop_hours"] = _("Indiquez la durée totale des %(n)s ateliers.") % {"n": n["workshops_held"]}
    elif hours and not n["workshops_held"]:
        errors["workshops_held"] = _("Des heures d'atelier sont indiquées : combien d'ateliers ont eu lieu ?")
    trained = n["people_trained"]
    for fields, label in (
        (AGE_FIELDS, _("La répartition par âge")),
        (GENDER_FIELDS, _("La répartition par genre")),
    ):
        total = sum(n[name] for name in fields)
        if total > trained:
            errors[fields[0]] = _("%(label)s fait %(total)s personnes, plus que les %(trained)s personnes formées.") % {
                "label": label,
                "total": total,
                "trained": trained,
            }
    for name in SITUATION_FIELDS:
        if n[name] > trained:
            errors[name] = _("%(n)s personnes, plus que les %(trained)s personnes formées.") % {
                "n": n[name],
                "trained": trained,
            }
    machines = sum(n[name] for name in MACHINE_FIELDS)
    if machines > machines_received:
        errors["machines_in_use"] = _(
            "En service, en panne et prêtés font %(total)s ordinateurs, plus que les %(received)s reçus."
        ) % {"total": machines, "received": machines_received}
    return errors


def _machines_received(report: ImpactReport) -> int:
    from donations.models import Allocation

    total = Allocation.objects.filter(
        status=Allocation.Status.HANDED_OVER,
        wave__campaign_id=report.campaign_id,
        application__association_id=report.association_id,
    ).aggregate(n=Sum("quantity"))["n"]
    return total or 0


@transaction.atomic
def impact_report_save(*, report: ImpactReport, by, submit: bool = False, **fields) -> ImpactReport:
    """The association fills in (and, with ``submit``, sends) a report. All or nothing."""
    report = _lock(report)
    if not report.is_editable:
        raise DomainError(_("Ce bilan est déjà envoyé : il ne peut plus être modifié."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Champs inconnus : %(names)s.") % {"names": ", ".join(sorted(unknown))})
    report.machines_received = max(_machines_received(report), report.machines_received)
    errors = check_counts(
        {name: fields.get(name, getattr(report, name)) for name in EDITABLE_FIELDS},
        machines_received=report.machines_received,
    )
    comment = fields.get("comment", report.comment) or ""
    if "\x00" in comment:
        errors["comment"] = _("Ce texte contient un caractère non autorisé.")
    if errors:
        raise ValidationError(errors)
    changed = []
    for name, value in fields.items():
        if name == "workshop_hours":
            value = Decimal(str(value or 0))
        elif name != "comment":
            value = int(value or 0)
        if value != getattr(report, name):
            setattr(report, name, value)
            changed.append(str(ImpactReport._meta.get_field(name).verbose_name))
    report.full_clean()
    report.save()
    if changed:
        ImpactReportEvent.record(report=report, by=by, kind=ImpactReportEvent.Kind.UPDATED, note=", ".join(changed))
    if submit:
        _submit(report, by=by)
    return report


def _submit(report: ImpactReport, *, by) -> ImpactReport:
    return transition(report, to=S.SUBMITTED, by=by, submitted_at=timezone.now())


@transaction.atomic
def impact_report_submit(*, report: ImpactReport, by) -> ImpactReport:
    """The association sends a report it may edit (a correction it only asked for is not its to send)."""
    report = _lock(report)
    if not report.is_editable:
        raise TransitionError(
            _("Impossible d'envoyer un bilan « %(status)s ».") % {"status": report.get_status_display()}
        )
    return _submit(report, by=by)


@transaction.atomic
def impact_report_return(*, report: ImpactReport, by, message: str) -> ImpactReport:
    """Staff send a report back to the association for correction, saying why."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Dites à l'association ce qu'elle doit corriger.")})
    report = _lock(report)
    report = transition(report, to=S.RETURNED, by=by, note=message, return_message=message)
    _notify(report, "impact_report_returned", message=message)
    return report


@transaction.atomic
def impact_report_accept(*, report: ImpactReport, by, note: str = "") -> ImpactReport:
    report = _lock(report)
    return transition(report, to=S.ACCEPTED, by=by, note=note, accepted_at=timezone.now())


# Corrections asked by the association ---------------------------------------------------------


def _clean_text(text: str, field: str, *, required: str, limit: int) -> str:
    return required_text(
        text,
        field=field,
        limit=limit,
        missing=required,
        invalid=_("Ce texte contient un caractère non autorisé."),
        too_long=_("Ce texte fait %(n)s caractères : %(limit)s au plus."),
    )


def _check_reopen_requested(report: ImpactReport) -> None:
    # The table lets a report go back to "sent" from other statuses too: only a pending request is answered here.
    if report.status != S.REOPEN_REQUESTED:
        raise TransitionError(
            _("Ce bilan n'attend aucune décision de correction (statut : « %(status)s »).")
            % {"status": report.get_status_display()}
        )


@transaction.atomic
def impact_report_request_reopen(*, report: ImpactReport, by, reason: str) -> ImpactReport:
    """The association asks to correct a report it sent (sent or validated), saying what. Staff decide."""
    reason = _clean_text(
        reason, "reason", required=_("Dites ce que vous voulez corriger dans ce bilan."), limit=REOPEN_REASON_MAX
    )
    report = _lock(report)
    return transition(report, to=S.REOPEN_REQUESTED, by=by, note=reason, reopen_reason=reason)


@transaction.atomic
def impact_report_reopen_accept(*, report: ImpactReport, by, note: str = "") -> ImpactReport:
    """Staff reopen the report: the association corrects it and sends it again (then it is reviewed again)."""
    note = (note or "").strip()
    report = _lock(report)
    _check_reopen_requested(report)
    report = transition(report, to=S.REOPENED, by=by, note=note, accepted_at=None)
    _notify(report, "impact_report_reopened", reason=report.reopen_reason, message=note)
    return report


@transaction.atomic
def impact_report_reopen_refuse(*, report: ImpactReport, by, message: str) -> ImpactReport:
    """Staff refuse the correction, saying why: the report goes back as it was (sent, or validated)."""
    message = _clean_text(
        message, "message", required=_("Dites à l'association pourquoi la correction est refusée."), limit=2000
    )
    report = _lock(report)
    _check_reopen_requested(report)
    back = S.ACCEPTED if report.accepted_at else S.SUBMITTED
    report = transition(report, to=back, by=by, note=message)
    _notify(report, "impact_report_reopen_refused", reason=report.reopen_reason, message=message)
    return report


# Reminders ------------------------------------------------------------------------------------


def _notify(report: ImpactReport, template: str, **context) -> list[str]:
    recipients = association_recipients(report.association, report.association.memberships.all())
    base = {
        "association": report.association.legal_name,
        "campaign": report.campaign.name,
        "period": report.period_label,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "due_on": report.due_on.isoformat(),
        "report_path": report.get_absolute_url(),
        "contact_email": report.campaign.contact_email,
        **context,
    }
    notify(recipients, template, base)
    return sorted(recipients)


def _reminder_due(report: ImpactReport, reporting: Reporting, today: datetime.date) -> str | None:
    if report.due_on + datetime.timedelta(days=reporting.remind_days_after) <= today:
        return ImpactReminder.Kind.AFTER
    if report.due_on - datetime.timedelta(days=reporting.remind_days_before) <= today <= report.due_on:
        return ImpactReminder.Kind.BEFORE
    return None


def impact_reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Schedule the reports owed, then send each reminder due, once: the row is the proof it was sent.

    Safe to run twice, or from two workers at once: the unique (report, kind) row is written
    before the email is queued, in the same transaction.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = impact_reports_schedule(today=today)
    sent = {ImpactReminder.Kind.BEFORE: 0, ImpactReminder.Kind.AFTER: 0}
    reports = list(
        ImpactReport.objects.due()
        .filter(due_on__lte=today + datetime.timedelta(days=60))
        .select_related("campaign", "association")
        .prefetch_related("reminders", "association__memberships__user")
    )
    settings_rows = {
        r.campaign_id: r for r in CampaignReporting.objects.filter(campaign_id__in={r.campaign_id for r in reports})
    }
    calendars: dict[int, Reporting] = {}
    for report in reports:
        if report.campaign_id not in calendars:
            calendars[report.campaign_id] = reporting_for(report.campaign, settings_rows.get(report.campaign_id))
        kind = _reminder_due(report, calendars[report.campaign_id], today)
        if kind is None or any(r.kind == kind for r in report.reminders.all()):
            continue
        if kind == ImpactReminder.Kind.BEFORE and report.due_on < today:
            continue
        try:
            with transaction.atomic():
                reminder = ImpactReminder.objects.create(report=report, kind=kind, sent_at=now)
                template = "impact_reminder_before" if kind == ImpactReminder.Kind.BEFORE else "impact_reminder_after"
                recipients = _notify(report, template)
                ImpactReminder.objects.filter(pk=reminder.pk).update(recipients=", ".join(recipients))
        except IntegrityError:  # another worker sent it a moment ago
            continue
        sent[kind] += 1
    return {"scheduled": created, "before": sent["before"], "after": sent["after"]}
