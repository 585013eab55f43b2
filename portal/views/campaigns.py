"""The public campaign pages: the list of campaigns with their figures, and each campaign's page (its donors,
its progress, the impact app's figures and the map of the associations equipped)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from associations.models import Association
from campaigns.models import Campaign
from donations import selectors
from impact.views import progress_context
from portal.maps import campaign_map
from portal.public import public_campaign_groups, totals


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    # A member of an association sees the campaigns nearest to its associations first, as in its space.
    associations = list(Association.objects.for_user(request.user)) if request.user.is_authenticated else []
    groups = public_campaign_groups(associations=associations)
    return render(request, "donations/campaign_list.html", {"groups": groups, "totals": totals(groups)})


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.public().prefetch_related("pledges__donor"), slug=slug)
    figures = progress_context(campaign)  # the impact app's figures and charts (cached)
    return render(
        request,
        "donations/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign),
            **figures,
            # The districts' map, from the same figures (no query of its own); None for a city without shapes.
            "map": campaign_map(campaign.city, figures["impact_stats"]["postal_codes"]),
        },
    )
