from collections.abc import Callable

from celery import shared_task

from core import outbox
from core.emails import send_email_now

# A network error (mail server, storage) is retried with exponential back-off, at most 10 minutes apart.
RETRY_ON_OSERROR = {"autoretry_for": (OSError,), "retry_backoff": True, "retry_backoff_max": 600, "max_retries": 8}
# What a render task gives once its retries are spent (its row says why).
FAILED = "failed"

# A periodic sweep (reminders): any error is retried a few times, 30 s then up to 10 minutes apart, within 5 minutes.
PERIODIC_SWEEP = {
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "soft_time_limit": 240,
    "time_limit": 300,
}


def doubling(base: float) -> Callable[[int], float]:
    """The countdown of a retry after ``retries`` retries: ``base``, then twice as long each time."""
    return lambda retries: base * 2**retries


def render_or_retry(
    task,
    render: Callable,
    *,
    error: type[Exception],
    countdown: Callable[[int], float],
    state: str = "",
    failed=FAILED,
    gave_up: Callable[[int], None] | None = None,
):
    """What the bound ``task`` gives for ``render()``: its result, or the ``state`` attribute of it if ``state`` is
    named (None if nothing was rendered). On ``error``, the task is retried after ``countdown(retries so far)``
    seconds; once its retries are spent, ``gave_up(attempts made)`` is called (to log it) and ``failed`` is given."""
    try:
        rendered = render()
    except error as exc:
        retries = task.request.retries
        if retries >= task.max_retries:
            if gave_up is not None:
                gave_up(retries + 1)
            return failed
        raise task.retry(exc=exc, countdown=countdown(retries))
    if not state:
        return rendered
    return getattr(rendered, state) if rendered else None


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
