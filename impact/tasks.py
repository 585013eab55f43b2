from celery import shared_task

from core.tasks import PERIODIC_SWEEP
from impact import services


@shared_task(name="impact.tasks.send_report_reminders", **PERIODIC_SWEEP)
def send_report_reminders() -> dict:
    """Schedule the reports owed and send the reminders due; safe to run twice (each reminder is recorded)."""
    return services.impact_reminders_send()
