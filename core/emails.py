"""Emails from templates, in the recipient's language, queued after the transaction commits."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

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
        # typed is in it as typed. The HTML part gets that text escaped, never as markup.
        html = render_to_string("emails/base.html", {**ctx, "text": escape(text), "subject": subject})
    return subject, text, html


def send_email_now(*, template: str, context: dict, to: list[str], language: str) -> None:
    to = deliverable(to)
    if not to:
        return
    subject, text, html = render_email(template, context, language)
    message = EmailMultiAlternatives(subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()


def queue_email(*, template: str, context: dict, to: list[str], language: str = "fr") -> None:
    """Send after commit through Celery; if the broker is down, send in-process rather than lose it."""
    to = deliverable(to)
    if not to:
        return

    def _send() -> None:
        from core.tasks import send_email

        try:
            send_email.delay(template=template, context=context, to=to, language=language)
        except Exception:  # broker unreachable: the email matters more than the queue
            logger.warning("Broker unreachable, sending email %s in-process", template, exc_info=True)
            send_email_now(template=template, context=context, to=to, language=language)

    transaction.on_commit(_send)


def notify(recipients: dict[str, str], template: str, context: dict) -> None:
    """Queue one email per language to ``recipients`` (email -> language), sent after the transaction commits."""
    for language in sorted(set(recipients.values())):
        queue_email(
            template=template,
            context=context,
            to=sorted(email for email, lang in recipients.items() if lang == language),
            language=language,
        )
