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
