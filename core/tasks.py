from celery import shared_task

from core import outbox
from core.emails import send_email_now

# A network error (mail server, storage) is retried with exponential back-off, at most 10 minutes apart.
RETRY_ON_OSERROR = {"autoretry_for": (OSError,), "retry_backoff": True, "retry_backoff_max": 600, "max_retries": 8}

# A periodic sweep (reminders): any error is retried a few times, 30 s then up to 10 minutes apart, within 5 minutes.
PERIODIC_SWEEP = {
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "soft_time_limit": 240,
    "time_limit": 300,
}


@shared_task(bind=True, soft_time_limit=30, time_limit=60, **RETRY_ON_OSERROR)
def send_email(self, *, template: str, context: dict, to: list[str], language: str) -> None:
    """Kept for the messages queued before the outbox existed; new emails go through ``send_outbox_email``."""
    send_email_now(template=template, context=context, to=to, language=language)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def send_outbox_email(pk: int) -> bool:
    """Send one email of the outbox, unless it was sent (or is being sent) already. Failures wait for the sweep."""
    return outbox.outbox_send(pk=pk)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_outbox() -> int:
    """Periodic (Celery beat): send the emails whose task was lost or whose last attempt failed."""
    return outbox.outbox_sweep()


@shared_task
def ping() -> str:
    return "pong"


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_held_uploads() -> int:
    """Periodic (Celery beat): delete the files kept for forms that were never sent again (core.uploads)."""
    from core.uploads import sweep_held_uploads as sweep

    return sweep()
