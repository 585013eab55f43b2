"""The public list of campaigns: each campaign's state in plain words, its figures and its donor companies.

The figures are the impact app's (``impact.selectors.campaigns_figures``, the same definitions as each campaign's
page and open data); this module only arranges them for the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Association
from campaigns.models import Campaign
from campaigns.selectors import nearest_first
from core.words import date_words
from impact.selectors import campaigns_figures, public_pledge_order


@dataclass
class CampaignRow:
    campaign: Campaign
    state: str  # the state in plain words, with its date
    state_open: bool  # whether an association can apply today
    figures: dict
    donors: list[dict] = field(default_factory=list)  # {"name", "pledged"}, named companies first


@dataclass
class CampaignGroup:
    """The campaigns of one city (later: of one organiser; see ``group_key``)."""

    title: str
    rows: list[CampaignRow]


def campaign_state(campaign: Campaign, today: datetime.date) -> str:
    """« Candidatures ouvertes jusqu'au 31 décembre 2026 », « Candidatures à partir du … », « Remises en cours,
    candidatures closes », « Campagne terminée »."""
    if campaign.status == Campaign.Status.CLOSED:
        return _("Campagne terminée")
    if campaign.is_open_for_applications(today):
        return _("Candidatures ouvertes jusqu'au %(date)s") % {"date": date_words(campaign.applications_close_on)}
    if today < campaign.applications_open_on:
        return _("Candidatures à partir du %(date)s") % {"date": date_words(campaign.applications_open_on)}
    return _("Candidatures closes, distribution en cours")


def group_key(campaign: Campaign) -> str:
    """What the list groups campaigns by. Today the city; once campaigns have an organiser, its name (with
    ``select_related("organiser")`` in ``public_campaign_groups``)."""
    return campaign.city.strip()


def public_campaign_groups(
    today: datetime.date | None = None, *, associations: Sequence[Association] = ()
) -> list[CampaignGroup]:
    """The public campaigns grouped by city, open ones first in each group: three queries whatever their number
    (campaigns with their organiser, their pledges with donors, and the figures' two).

    The groups come in alphabetical order; given ``associations`` (those of the person signed in), nearest first
    instead, as in the association space (``campaigns.selectors.nearest_first``): the groups holding a campaign of
    their city, then of their département, then the others (alphabetical among equally near ones); in a group,
    the nearest rows first, then the usual order."""
    today = today or timezone.localdate()
    campaigns = list(
        Campaign.objects.public()
        .select_related("organiser")
        .prefetch_related("pledges__donor")
        .order_by("status", "-applications_open_on", "pk")
    )
    figures = campaigns_figures(campaigns)
    groups: dict[str, CampaignGroup] = {}
    for campaign in campaigns:
        pledges = sorted(campaign.pledges.all(), key=public_pledge_order)
        row = CampaignRow(
            campaign=campaign,
            state=campaign_state(campaign, today),
            state_open=campaign.is_open_for_applications(today),
            figures=figures[campaign.pk],
            donors=[{"name": p.donor.public_name, "pledged": p.pledged_units} for p in pledges],
        )
        key = group_key(campaign)
        groups.setdefault(key.casefold(), CampaignGroup(title=key, rows=[])).rows.append(row)
    ordered = sorted(groups.values(), key=lambda g: g.title.casefold())
    if not associations:
        return ordered
    # nearest_first keeps the given order among equally near campaigns: fed in the alphabetical order, a group
    # comes where its nearest campaign comes, and equally near groups stay in alphabetical order.
    rows = {row.campaign.pk: row for group in ordered for row in group.rows}
    nearest: dict[str, CampaignGroup] = {}
    for campaign in nearest_first([row.campaign for group in ordered for row in group.rows], associations):
        key = group_key(campaign).casefold()
        nearest.setdefault(key, CampaignGroup(title=groups[key].title, rows=[])).rows.append(rows[campaign.pk])
    return list(nearest.values())


def totals(groups: list[CampaignGroup]) -> dict[str, int]:
    keys = ("pledged", "granted", "handed_over", "associations_equipped")
    rows = [row for group in groups for row in group.rows]
    return {key: sum(row.figures[key] for row in rows) for key in keys} | {"campaigns": len(rows)}
