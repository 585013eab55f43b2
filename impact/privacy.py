"""The impact app's part of a person's data (accounts.privacy): the export lists their associations' reports;
anonymisation replaces their address in reminders' recipients. Registered in ``ImpactConfig.ready()``."""

from __future__ import annotations

from django.db.models import Q

from accounts.privacy import iso_date
from impact.models import ImpactReminder, ImpactReport, LotValuation, Receipt, ReceiptEligibility


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
        ],
        # In-kind gift receipts: what the person declared or issued (names kept on the rows, by them).
        "receipt_eligibility_declared": [
            {"association": e.association.legal_name, "declared_at": e.declared_at.isoformat()}
            for e in ReceiptEligibility.objects.filter(declared_by=user).select_related("association")
        ],
        "lot_values_declared": [
            {"lot": v.lot.reference, "unit_value": str(v.unit_value), "declared_at": v.declared_at.isoformat()}
            for v in LotValuation.objects.filter(declared_by=user).select_related("lot")
        ],
        "receipts_issued": [
            {"number": r.number, "association": r.association.legal_name, "year": r.year}
            for r in Receipt.objects.filter(issued_by=user).select_related("association")
        ],
    }


def anonymise(*, user, label: str, emails: set[str], full_name: str) -> None:
    """Reminder recipients ("a@x.org, b@y.org"): whole addresses only, whatever their case; the names kept by the
    receipts' rows (who declared, withdrew, issued). An issued receipt's PDF keeps the name of its signatory, as a
    signed certificate keeps its representative's: a fiscal document is not rewritten."""
    ReceiptEligibility.objects.filter(declared_by=user).update(declared_by_name=label)
    ReceiptEligibility.objects.filter(withdrawn_by=user).update(withdrawn_by_name=label)
    LotValuation.objects.filter(declared_by=user).update(declared_by_name=label)
    Receipt.objects.filter(issued_by=user).update(issued_by_name=label)
    reminder_match = Q()
    for email in emails:
        reminder_match |= Q(recipients__icontains=email)
    for reminder in ImpactReminder.objects.filter(reminder_match):
        parts = [p.strip() for p in reminder.recipients.split(",")]
        reminder.recipients = ", ".join(label if p.lower() in emails else p for p in parts if p)
        reminder.save(update_fields=["recipients"])
