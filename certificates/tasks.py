"""Thin Celery tasks: they take ids and call one service; the row records the state the UI shows."""

from __future__ import annotations

import logging
import random
from functools import partial

from celery import shared_task
from celery.signals import worker_process_init

from certificates import services
from core.tasks import RETRY_ON_OSERROR, render_or_retry

logger = logging.getLogger(__name__)

# Retries of a failed render: about 5 s, 10 s, 20 s, 40 s (plus up to 20 % of jitter).
RENDER_MAX_RETRIES = 4
RETRY_BASE_SECONDS = 5


@worker_process_init.connect
def warm_up_pdf_rendering(**kwargs) -> None:
    """Load Pango and the fonts once per worker process rather than during its first certificate."""
    try:
        from certificates.pdf import html_to_pdf

        html_to_pdf('<html style="font-family: DejaVu Sans"><body><p>É <b>É</b> <code>0</code></p></body></html>', "/")
    except Exception:  # never keep a worker from starting
        logger.warning("PDF warm-up failed", exc_info=True)


def retry_countdown(retries: int) -> float:
    delay = RETRY_BASE_SECONDS * 2**retries
    return min(delay * (1 + random.random() * 0.2), 600)


@shared_task(bind=True, acks_late=True, max_retries=RENDER_MAX_RETRIES, soft_time_limit=90, time_limit=120)
def render_handover(self, handover_id: int) -> str | None:
    """Render the certificate's current document. Safe to run twice; retried with back-off on failure."""

    def gave_up(attempts: int) -> None:
        logger.error("Certificate %s: render failed %s times, left « failed »", handover_id, attempts)

    render = partial(services.handover_render, handover_id=handover_id)
    return render_or_retry(
        self, render, error=services.RenderError, countdown=retry_countdown, state="state", gave_up=gave_up
    )


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_handovers() -> int:
    """Periodic (Celery beat): queue again the renders lost with the broker or a dead worker."""
    return services.handovers_requeue_stuck()


@shared_task(bind=True, acks_late=True, soft_time_limit=60, time_limit=90, **RETRY_ON_OSERROR)
def send_signed_certificate(self, handover_id: int) -> bool:
    """Kept for messages queued before the outbox: writes the signed certificate's email in it (once)."""
    return services.handover_email_signed(handover_id=handover_id)
