"""Helpers shared by the donations services: notifications, stock reads."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from core.emails import queue_email


def french():
    """Texts stored in the database (planner reasons, notes) are written in the site's first language."""
    return translation.override(settings.LANGUAGE_CODE)


def ready_stock_count() -> int:
    from inventory.models import Computer

    return Computer.objects.ready().count()


def association_recipients(association, memberships: Iterable | None = None) -> dict[str, str]:
    """email -> language of the active members of an association (its contact address if none)."""
    members = memberships if memberships is not None else association.memberships.select_related("user")
    recipients = {m.user.email: m.user.language for m in members if m.user.is_active}
    if not recipients and association.contact_email:
        recipients = {association.contact_email: "fr"}
    return recipients


def notify(recipients: dict[str, str], template: str, context: dict) -> None:
    """Queue one email per language, sent after the transaction commits."""
    for language in sorted(set(recipients.values())):
        queue_email(
            template=template,
            context=context,
            to=sorted(email for email, lang in recipients.items() if lang == language),
            language=language,
        )
