from functools import partial

from celery import shared_task

from core.tasks import PERIODIC_SWEEP, doubling, render_or_retry
from impact import services


@shared_task(name="impact.tasks.send_report_reminders", **PERIODIC_SWEEP)
def send_report_reminders() -> dict:
    """Schedule the reports owed and send the reminders due; safe to run twice (each reminder is recorded)."""
    return services.impact_reminders_send()


# Retries of a failed render after 5, 10, 20… s; once they are spent the task gives "failed".
RETRY_COUNTDOWN = doubling(5)

# Donor documents (traceability reports, reuse attestations): retries of a failed render after about 5, 10, 20 s.
DOCUMENT_MAX_RETRIES = 3


# Its hard limit stays under CERTIFICATES_RENDERING_STUCK_SECONDS (300 s): the sweep never re-sends a live render.
@shared_task(bind=True, acks_late=True, max_retries=DOCUMENT_MAX_RETRIES, soft_time_limit=240, time_limit=270)
def render_donor_document(self, document_id: int) -> str | None:
    """Render a donor's document. Safe to run twice (a ready document keeps its one file); retried with back-off."""
    from impact import donor_documents

    render = partial(donor_documents.donor_document_render, document_id=document_id)
    return render_or_retry(self, render, error=donor_documents.RenderError, countdown=RETRY_COUNTDOWN, state="status")


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_donor_documents() -> int:
    """Periodic (Celery beat, with the certificates' sweep): send again the renders lost with the broker."""
    from impact import donor_documents

    return donor_documents.donor_documents_requeue_stuck()


@shared_task(bind=True, acks_late=True, max_retries=4, soft_time_limit=90, time_limit=120)
def render_receipt(self, receipt_id: int) -> str | None:
    """Render an issued in-kind gift receipt's PDF. Safe to run twice; retried with back-off on failure."""
    from impact import receipts

    render = partial(receipts.receipt_render, receipt_id=receipt_id)
    return render_or_retry(self, render, error=receipts.RenderError, countdown=RETRY_COUNTDOWN, state="state")


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_receipts() -> int:
    """Periodic (Celery beat): queue again the receipts' renders lost with the broker or a dead worker."""
    from impact import receipts

    return receipts.receipts_requeue_stuck()
