"""Campaigns: their status changes (the rest of a campaign is plain data edited in the admin)."""

from __future__ import annotations

from django.db import transaction

from campaigns.models import Campaign
from core.transitions import transition


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, to: str, by, note: str = "") -> Campaign:
    """Open a campaign in preparation, or close an open one (``Campaign.TRANSITIONS``)."""
    return transition(campaign, to=to, by=by, note=note, lock=True)
