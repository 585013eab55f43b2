"""Campaigns: their status changes (the rest of a campaign is plain data edited in the admin)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignEvent
from core.errors import TransitionError

C = Campaign.Status

# The one table of allowed status changes of a campaign.
TRANSITIONS: dict[str, set[str]] = {
    C.DRAFT: {C.OPEN},
    C.OPEN: {C.CLOSED},
    C.CLOSED: set(),
}


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, to: str, by, note: str = "") -> Campaign:
    """Open a campaign in preparation, or close an open one."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    current = campaign.status
    if to not in TRANSITIONS[current]:
        raise TransitionError(
            _("Impossible de passer une campagne « %(from)s » à « %(to)s ».")
            % {"from": C(current).label, "to": C(to).label}
        )
    campaign.status = to
    campaign.save(update_fields=["status"])
    CampaignEvent.record(by=by, campaign=campaign, from_status=current, to_status=to, note=note)
    return campaign
