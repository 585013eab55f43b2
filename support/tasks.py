"""Thin Celery tasks of the after-sales: render a certificate's addendum (WeasyPrint), safe to run twice."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task

from core.tasks import doubling, render_or_retry

logger = logging.getLogger(__name__)


def _render_with_retries(task, render, addendum_id: int, failure: str) -> bool:
    """Call ``render`` (a service of support.services); on a render error, retry after 10, 20, 40 s, then give up and
    log ``failure`` (the addendum stays without that PDF)."""
    from support.services import AddendumRenderError

    return render_or_retry(
        task,
        partial(render, addendum_id=addendum_id),
        error=AddendumRenderError,
        countdown=doubling(10),
        failed=False,
        gave_up=lambda attempts: logger.error(failure, addendum_id),
    )


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=90, time_limit=120)
def render_addendum(self, addendum_id: int) -> bool:
    """Render the addendum's PDF once (an addendum already rendered is left as is); retried with back-off."""
    from support.services import addendum_render

    return _render_with_retries(self, addendum_render, addendum_id, "Addendum %s: render failed, left without PDF")


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=90, time_limit=120)
def render_signed_addendum(self, addendum_id: int) -> bool:
    """Render the addendum signed at the desk once (with both signatures); retried with back-off."""
    from support.services import addendum_render_signed

    return _render_with_retries(
        self, addendum_render_signed, addendum_id, "Addendum %s: signed render failed, left without signed PDF"
    )


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_addenda() -> int:
    """Periodic (Celery beat, with the certificates' sweep): send again the addenda's renders lost with the broker."""
    from support.services import addenda_requeue_unrendered

    return addenda_requeue_unrendered()
