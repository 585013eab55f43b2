"""The transactional outbox of emails: written with the change, sent after commit, retried until sent.

* ``outbox_enqueue_many`` writes the rows in the caller's transaction and, once it commits, sends a task
  to the worker. If the broker is unreachable the row simply waits for the sweep: nothing is lost.
* ``outbox_send`` sends one row exactly once: it claims the row with ``SELECT … FOR UPDATE SKIP
  LOCKED`` inside a transaction that stays open while the mail server answers, and marks it sent in
  that same transaction. Whoever comes second (the worker or the sweep) finds it locked or sent and
  does nothing. (A process killed between the mail server's answer and the commit leaves the row
  unsent: it is sent again, the only case of a duplicate; SMTP gives no way to do better.)
* ``outbox_sweep`` (Celery beat, every ``OUTBOX_SWEEP_SECONDS``) sends the rows whose next attempt is
  due: those whose task was lost, and those the mail server refused, with exponential back-off.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.emails import apply_each, follow_up_queue
from core.models import OutboxEmail

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


def retry_base() -> datetime.timedelta:
    """How long a fresh row is left to the worker before the sweep takes it; the first back-off step."""
    return datetime.timedelta(seconds=getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 60))


def retry_delay(attempts: int) -> datetime.timedelta:
    """Back-off after ``attempts`` failed attempts: base, 2×base, 4×base… up to OUTBOX_RETRY_MAX_SECONDS."""
    cap = getattr(settings, "OUTBOX_RETRY_MAX_SECONDS", 3600)
    return min(retry_base() * 2 ** max(attempts - 1, 0), datetime.timedelta(seconds=cap))


def dispatch(ids: list[int]) -> int:
    """Hand rows to the worker; a broker outage leaves them to the sweep (never raises). Returns how many left."""
    from core.tasks import send_outbox_email

    return apply_each(
        send_outbox_email,
        ids,
        log=logger,
        failed="Email %s failed in-process; the sweep retries it",
        lost="Broker unreachable: %s email(s) left to the periodic sweep",
        options=follow_up_queue("OUTBOX_QUEUE"),
    )


def outbox_enqueue_many(emails: list[dict]) -> list[OutboxEmail]:
    """Write emails (dicts of OutboxEmail fields) in one insert; each is handed to the worker after commit."""
    now = timezone.now()
    rows = OutboxEmail.objects.bulk_create(
        [
            OutboxEmail(
                created_at=now,
                next_attempt_at=now + retry_base(),
                **{**email, "to": list(email["to"]), "language": email.get("language") or settings.LANGUAGE_CODE},
            )
            for email in emails
        ]
    )
    ids = [row.pk for row in rows]
    if None in ids:  # a database that does not return ids from a bulk insert: the sweep sends them
        logger.warning("Outbox: ids not returned by the insert; %s email(s) left to the sweep", len(ids))
        return rows

    transaction.on_commit(lambda: dispatch(ids), robust=True)
    return rows


def _message(row: OutboxEmail):
    from core.emails import build_message

    message = build_message(template=row.template, context=row.context, to=row.to, language=row.language)
    if row.attachment_name and row.attachment is not None:
        message.attach(row.attachment_name, bytes(row.attachment), row.attachment_mimetype or None)
    return message


# The mail server cannot be reached at all: the other emails of a sweep would fail the same way.
MAIL_SERVER_DOWN = (ConnectionError, TimeoutError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)


def outbox_send(*, pk: int, now: datetime.datetime | None = None) -> bool:
    """Send one email if nobody sent it or is sending it; returns True if this call sent it.

    A failure is recorded on the row (count, error, next attempt) and does not raise.
    """
    return _send(pk=pk, now=now) == "sent"


def _send(*, pk: int, now: datetime.datetime | None) -> str:
    """``sent``, ``skipped`` (sent already or being sent), ``failed``, or ``down`` (mail server unreachable)."""
    with transaction.atomic():
        row = OutboxEmail.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at__isnull=True).first()
        if row is None:
            return "skipped"  # sent already, or being sent by another process right now
        attempted_at = now or timezone.now()
        row.attempts += 1
        row.last_attempt_at = attempted_at
        try:
            _message(row).send()
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: not this email's fault (the row stays due, unchanged)
        except Exception as exc:
            row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            row.next_attempt_at = attempted_at + retry_delay(row.attempts)
            row.save(update_fields=["attempts", "last_attempt_at", "last_error", "next_attempt_at"])
            logger.warning("Email %s (%s) not sent, attempt %s: %s", pk, row.template, row.attempts, row.last_error)
            return "down" if isinstance(exc, MAIL_SERVER_DOWN) else "failed"
        row.sent_at = timezone.now()
        row.next_attempt_at = None
        row.save(update_fields=["attempts", "last_attempt_at", "sent_at", "next_attempt_at"])
    return "sent"


def outbox_sweep(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: send the emails whose attempt is due; forget sent ones past their retention."""
    now = now or timezone.now()
    due = list(
        OutboxEmail.objects.due(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for pk in due:
        result = _send(pk=pk, now=now)
        sent += result == "sent"
        if result == "down":  # the next sweep tries again; no need to wait a timeout per email meanwhile
            logger.warning("Outbox sweep stopped: the mail server cannot be reached")
            break
    keep = datetime.timedelta(days=getattr(settings, "OUTBOX_KEEP_SENT_DAYS", 30))
    OutboxEmail.objects.filter(sent_at__lt=now - keep).delete()
    if due:
        logger.info("Outbox sweep: %s of %s due email(s) sent", sent, len(due))
    return sent
