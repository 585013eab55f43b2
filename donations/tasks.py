from celery import shared_task

from core.tasks import PERIODIC_SWEEP
from donations import services


@shared_task(name="donations.tasks.send_appointment_reminders", **PERIODIC_SWEEP)
def send_appointment_reminders() -> int:
    """Remind associations of their handover appointment two days before; safe to run twice (each is recorded)."""
    return services.appointment_reminders_send()
