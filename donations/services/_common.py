"""Helpers shared by the donations services: the language of stored texts, stock reads."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def french():
    """Texts stored in the database (planner reasons, notes) are written in the site's first language."""
    return translation.override(settings.LANGUAGE_CODE)


def ready_stock_count() -> int:
    from inventory.models import Computer

    return Computer.objects.ready().count()
