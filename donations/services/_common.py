"""Helpers shared by the donations services: the language of stored texts, stock reads."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def french():
    """Texts stored in the database (planner reasons, notes) are written in the site's first language."""
    return translation.override(settings.LANGUAGE_CODE)


def ready_stock_count(*, organiser_id: int | None = None) -> int:
    """Units ready to allocate; with ``organiser_id``, those of that organiser's lots (a wave draws from them)."""
    from inventory.models import Computer

    return ready_units_of(organiser_id, Computer.objects.ready()).count()


def ready_units_of(organiser_id: int | None, queryset):
    """``queryset`` (of computers) cut to the lots of ``organiser_id``: a campaign's waves draw only from its
    organiser's stock."""
    return queryset if organiser_id is None else queryset.filter(lot__organiser_id=organiser_id)


def organiser_of_wave(wave) -> int:
    from campaigns.models import Campaign

    if "campaign" in wave._state.fields_cache:
        return wave.campaign.organiser_id
    return Campaign.objects.values_list("organiser_id", flat=True).get(pk=wave.campaign_id)
