from celery import shared_task

from impact import services


@shared_task(
    name="impact.tasks.send_report_reminders",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def send_report_reminders() -> dict:
    """Schedule the reports owed and send the reminders due; safe to run twice (each reminder is recorded)."""
    return services.impact_reminders_send()


@shared_task(bind=True, acks_late=True, max_retries=4, soft_time_limit=90, time_limit=120)
def render_receipt(self, receipt_id: int) -> str | None:
    """Render an issued in-kind gift receipt's PDF. Safe to run twice; retried with back-off on failure."""
    from impact import receipts

    try:
        receipt = receipts.receipt_render(receipt_id=receipt_id)
    except receipts.RenderError as exc:
        if self.request.retries >= self.max_retries:
            return "failed"
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries)
    return receipt.state if receipt else None


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_receipts() -> int:
    """Periodic (Celery beat): queue again the receipts' renders lost with the broker or a dead worker."""
    from impact import receipts

    return receipts.receipts_requeue_stuck()
