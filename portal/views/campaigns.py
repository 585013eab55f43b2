"""The public campaign page: the campaign, its donors, its progress and the impact app's figures."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from campaigns.models import Campaign
from donations import selectors
from impact.views import progress_context


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.public().prefetch_related("pledges__donor"), slug=slug)
    return render(
        request,
        "donations/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign),
            **progress_context(campaign),  # the impact app's figures and charts (cached)
        },
    )
