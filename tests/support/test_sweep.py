"""An addendum whose render task was lost with the broker (Redis down at commit, worker killed) is sent again by
the periodic sweep (support.tasks.sweep_addenda), once it is older than the certificates' pending delay."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from support import services
from support.models import Addendum
from tests.factories.inventory import ready_computers, stock_operator

pytestmark = pytest.mark.django_db


def lost_render(given):
    """A replacement whose render task never ran (the on-commit callback is not executed: the task was lost)."""
    ticket = services.ticket_report(by=given.member, computer_id=given.computers[0].pk, description="Écran noir.")
    (spare,) = ready_computers(1)
    services.ticket_replace(ticket=ticket, by=stock_operator(), replacement_id=spare.pk)
    addendum = Addendum.objects.get(ticket=ticket)
    assert not addendum.pdf
    return addendum


def later(seconds: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.CERTIFICATES_PENDING_STUCK_SECONDS + seconds)


def test_the_sweep_renders_an_addendum_whose_task_was_lost(given):
    addendum = lost_render(given)
    assert services.addenda_requeue_unrendered() == 0  # too early: its task may still be on its way
    assert services.addenda_requeue_unrendered(now=later()) == 1  # eager in the tests: rendered now
    addendum.refresh_from_db()
    assert addendum.pdf and len(addendum.pdf_sha256) == 64
    assert services.addenda_requeue_unrendered(now=later()) == 0  # nothing left to send


def test_a_failed_render_is_left_to_staff(given):
    addendum = lost_render(given)
    Addendum.objects.filter(pk=addendum.pk).update(render_error="WeasyPrint: police introuvable")
    assert services.addenda_requeue_unrendered(now=later()) == 0


def test_the_sweep_survives_a_broker_still_down(given, monkeypatch):
    from support import tasks

    # With a broker (not eager): the first refusal stops the loop, the next sweep resends.
    monkeypatch.setattr(tasks.render_addendum.app.conf, "task_always_eager", False)

    lost_render(given)

    def down(*args, **kwargs):
        raise ConnectionError("Redis injoignable")

    monkeypatch.setattr(tasks.render_addendum, "apply_async", down)
    assert services.addenda_requeue_unrendered(now=later()) == 0  # nothing sent, no error: the next sweep retries
