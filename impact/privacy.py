"""The impact app's part of a person's data (accounts.privacy): the export lists their associations' reports;
anonymisation replaces their address in reminders' recipients. Registered in ``ImpactConfig.ready()``."""

from __future__ import annotations

from django.db.models import Q

from accounts.privacy import iso_date
from impact.models import ImpactReminder, ImpactReport


def export(user) -> dict:
    reports = ImpactReport.objects.filter(association__memberships__user=user).order_by("period_start")
    return {
        "impact_reports": [
            {
                "period_start": iso_date(r.period_start),
                "period_end": iso_date(r.period_end),
                "status": r.get_status_display(),
                "workshops_held": r.workshops_held,
                "people_trained": r.people_trained,
                "comment": r.comment,
            }
            for r in reports
        ]
    }


def anonymise(*, user, label: str, emails: set[str], full_name: str) -> None:
    """Reminder recipients ("a@x.org, b@y.org"): whole addresses only, whatever their case."""
    reminder_match = Q()
    for email in emails:
        reminder_match |= Q(recipients__icontains=email)
    for reminder in ImpactReminder.objects.filter(reminder_match):
        parts = [p.strip() for p in reminder.recipients.split(",")]
        reminder.recipients = ", ".join(label if p.lower() in emails else p for p in parts if p)
        reminder.save(update_fields=["recipients"])
