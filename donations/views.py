from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from donations.models import Campaign


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.public().prefetch_related("pledges__donor"), slug=slug)
    return render(request, "donations/campaign_detail.html", {"campaign": campaign})
