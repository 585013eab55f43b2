"""Emails from templates, in the recipient's language, written to the outbox and sent after the transaction commits."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

UNDELIVERABLE_DOMAIN = "anonyme.invalid"  # addresses of anonymised people (RFC 2606: never delivered)


def deliverable(addresses) -> list[str]:
    """The addresses an email may go to: never an anonymised person's placeholder."""
    return [a for a in addresses if a and not a.lower().endswith("@" + UNDELIVERABLE_DOMAIN)]


def render_email(template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Returns (subject, text, html) of templates/emails/<template>_{subject,body}.(txt|html)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        ctx = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", ctx).split())
        text = render_to_string(f"emails/{template}_body.txt", ctx)
        # The text part is rendered with autoescape off (it is plain text): every character a user
        # typed is in it as typed. The HTML part gets that text escaped, never as markup, but for the
        # campaign team's address (set by staff, a validated address), made a mailto link.
        escaped = escape(text)
        contact = context.get("contact_email") or ""
        if contact and "@" in contact:
            link = format_html('<a href="mailto:{}">{}</a>', contact, contact)
            escaped = mark_safe(escaped.replace(escape(contact), link))  # noqa: S308 (escaped text, escaped link)
        html = render_to_string("emails/base.html", {**ctx, "text": escaped, "subject": subject})
    return subject, text, html


def build_message(*, template: str, context: dict, to: list[str], language: str) -> EmailMultiAlternatives:
    """The email as it leaves: subject with the site's prefix, the text part and the escaped HTML part."""
    subject, text, html = render_email(template, context, language)
    # An answer to a campaign's email reaches its team, not the no-reply sender.
    reply_to = [context["contact_email"]] if context.get("contact_email") else None
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body=text, to=to, reply_to=reply_to
    )
    message.attach_alternative(html, "text/html")
    return message


def send_email_now(*, template: str, context: dict, to: list[str], language: str) -> None:
    to = deliverable(to)
    if to:
        build_message(template=template, context=context, to=to, language=language).send()


def follow_up_queue(setting: str) -> dict:
    """Where a follow-up task goes: the queue named by ``setting`` if set, else the queue of the running task
    (what a worker's task queues is done by a worker of the same queue)."""
    queue = getattr(settings, setting, "")
    if not queue:
        from celery import current_task

        if current_task and not current_task.request.is_eager:
            queue = (current_task.request.delivery_info or {}).get("routing_key") or ""
    return {"queue": queue} if queue else {}


def apply_each(
    task, ids: list[int], *, log: logging.Logger, failed: str, lost: str, options: dict | None = None
) -> int:
    """One ``task`` per id, in order; returns how many were handed over, and never raises. Run in-process (eager),
    a task that fails is logged with ``failed % pk`` (its row says why) and the next ones still run; with a
    broker, the first refusal stops the loop and logs ``lost % how many are left`` (the periodic sweep resends)."""
    eager = task.app.conf.task_always_eager
    sent = 0
    for pk in ids:
        try:
            task.apply_async(args=[pk], **(options or {}))
        except Exception:
            if eager:
                log.warning(failed, pk, exc_info=True)
                continue
            log.warning(lost, len(ids) - sent, exc_info=True)
            break
        sent += 1
    return sent


def apply_each_on_commit(task: str, ids, **options) -> None:
    """After commit, ``apply_each`` (``options``: its keywords) of the task at the dotted path ``task``, imported
    then, on the distinct ``ids`` in order. A broker outage never fails the request (the periodic sweep resends)."""
    ids = sorted(set(ids))
    if ids:
        transaction.on_commit(lambda: apply_each(import_string(task), ids, **options), robust=True)


def _per_language(recipients: dict[str, str], template: str, context: dict) -> list[dict]:
    emails = []
    for language in sorted(set(recipients.values())):
        to = deliverable(sorted(email for email, lang in recipients.items() if lang == language))
        if to:
            emails.append({"template": template, "context": context, "to": to, "language": language})
    return emails


def notify(
    recipients: dict[str, str], template: str, context: dict, *, attachment: tuple[str, bytes, str] | None = None
) -> None:
    """Queue one email per language to ``recipients`` (email -> language), sent after the transaction commits.

    ``attachment`` is (file name, content, MIME type), attached to each of them.
    """
    if attachment is None:
        notify_many([(recipients, template, context)])
        return
    from core.outbox import outbox_enqueue_many

    name, content, mimetype = attachment
    emails = [
        {**email, "attachment_name": name, "attachment": content, "attachment_mimetype": mimetype}
        for email in _per_language(recipients, template, context)
    ]
    if emails:
        outbox_enqueue_many(emails)


def notify_many(notices: list[tuple]) -> None:
    """``notify`` for many notices at once: one insert into the outbox whatever their number.

    Each notice is (recipients, template, context), or (recipients, template, context, attachment) with
    ``attachment`` as in ``notify`` (or None).
    """
    from core.outbox import outbox_enqueue_many

    emails = []
    for recipients, template, context, *rest in notices:
        attachment = rest[0] if rest else None
        for email in _per_language(recipients, template, context):
            if attachment is not None:
                name, content, mimetype = attachment
                email = {**email, "attachment_name": name, "attachment": content, "attachment_mimetype": mimetype}
            emails.append(email)
    if emails:
        outbox_enqueue_many(emails)
