"""Campaigns: their status changes (the rest of a campaign is plain data edited in the admin)."""

from __future__ import annotations

from django.db import transaction

from campaigns.models import Campaign, Donor, DonorMembership
from core.transitions import transition


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, to: str, by, note: str = "") -> Campaign:
    """Open a campaign in preparation, or close an open one (``Campaign.TRANSITIONS``)."""
    return transition(campaign, to=to, by=by, note=note, lock=True)


@transaction.atomic
def donor_member_add(*, donor: Donor, user, by=None) -> DonorMembership:
    """``user`` acts for ``donor`` in the donor space from now on (again: nothing changes)."""
    membership, _created = DonorMembership.objects.get_or_create(user=user, donor=donor)
    return membership
