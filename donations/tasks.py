from celery import shared_task

from donations import services


@shared_task(
    name="donations.tasks.send_appointment_reminders",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def send_appointment_reminders() -> int:
    """Remind associations of their handover appointment two days before; safe to run twice (each is recorded)."""
    return services.appointment_reminders_send()
