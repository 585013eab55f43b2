"""Reads of the API, each in a constant number of queries whatever the data (the list's page and its count)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from api.models import ApiToken
from campaigns.models import Campaign, CampaignDonor
from inventory.models import Computer, Lot


def public_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.public().order_by("-applications_open_on", "name", "pk")


def donor_pledges(token: ApiToken) -> QuerySet[CampaignDonor]:
    return (
        CampaignDonor.objects.filter(donor_id=token.donor_id)
        .select_related("campaign")
        .order_by("-campaign__applications_open_on", "campaign__name", "pk")
    )


def _lots() -> QuerySet[Lot]:
    return Lot.objects.select_related("donor", "partner").with_counts().order_by("-arrival_date", "reference", "pk")


def donor_lots(token: ApiToken) -> QuerySet[Lot]:
    """The token's donor's lots only: another donor's lot is not found (404)."""
    return _lots().filter(donor_id=token.donor_id)


def partner_assigned_lots(token: ApiToken) -> QuerySet[Lot]:
    """The lots that name the token's partner, whatever their organiser, each with ``works_for_organiser``:
    whether the partner works for the lot's organiser (``partner_lots`` keeps only those)."""
    from inventory.models import StockPartner

    links = StockPartner.organisers.through.objects.filter(
        stockpartner_id=token.partner_id, organiser_id=OuterRef("organiser_id")
    )
    return _lots().filter(partner_id=token.partner_id).annotate(works_for_organiser=Exists(links))


def partner_lots(token: ApiToken) -> QuerySet[Lot]:
    """The lots the token's partner reconditions for the organisers it works for: any other lot is refused."""
    return partner_assigned_lots(token).filter(works_for_organiser=True)


def lot_units(lot: Lot) -> QuerySet[Computer]:
    return Computer.objects.filter(lot=lot).order_by("asset_tag", "pk")
