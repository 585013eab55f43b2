"""Thin Celery tasks of the after-sales: render a certificate's addendum (WeasyPrint), safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=90, time_limit=120)
def render_addendum(self, addendum_id: int) -> bool:
    """Render the addendum's PDF once (an addendum already rendered is left as is); retried with back-off."""
    from support.services import AddendumRenderError, addendum_render

    try:
        return addendum_render(addendum_id=addendum_id)
    except AddendumRenderError as exc:
        if self.request.retries >= self.max_retries:
            logger.error("Addendum %s: render failed, left without PDF", addendum_id)
            return False
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries)


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=90, time_limit=120)
def render_signed_addendum(self, addendum_id: int) -> bool:
    """Render the addendum signed at the desk once (with both signatures); retried with back-off."""
    from support.services import AddendumRenderError, addendum_render_signed

    try:
        return addendum_render_signed(addendum_id=addendum_id)
    except AddendumRenderError as exc:
        if self.request.retries >= self.max_retries:
            logger.error("Addendum %s: signed render failed, left without signed PDF", addendum_id)
            return False
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_addenda() -> int:
    """Periodic (Celery beat, with the certificates' sweep): send again the addenda's renders lost with the broker."""
    from support.services import addenda_requeue_unrendered

    return addenda_requeue_unrendered()
