"""The donor space (namespace ``donors``, under /donor/): a company's pledges, lots, equipped associations and
the CO2e its computers avoided."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from campaigns import services
from campaigns.models import Campaign
from core.forms import errors_to_form
from impact.carbon import FACTORS
from portal.donors import DONOR_SPACE_SESSION_KEY, donor_space
from portal.forms import DonorOfferForm


@require_safe
@login_required
def space(request: HttpRequest) -> HttpResponse:
    """The space's home; a person who acts for no donor is told how a company joins (the offer form)."""
    home = donor_space(request.user)
    # A person added to a donor since their login: the header's link appears from now on (and goes if removed).
    if request.session.get(DONOR_SPACE_SESSION_KEY) != bool(home.donors):
        request.session[DONOR_SPACE_SESSION_KEY] = bool(home.donors)  # (a session written only when it changes)
    return render(request, "donors/space.html", {"home": home, "factors": FACTORS.values()})


def _offer_rate(group, request) -> str:
    return settings.DONOR_OFFER_RATE


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_offer_rate, method="POST", block=False)
def donate(request: HttpRequest) -> HttpResponse:
    """Public: a company offers computers to an open campaign; the campaign's team accepts or declines it."""
    if getattr(request, "limited", False):
        return import_string(settings.RATELIMIT_VIEW)(request)
    initial = {}
    slug = request.GET.get("campaign", "")
    if slug:
        initial["campaign"] = Campaign.objects.filter(slug=slug, status=Campaign.Status.OPEN).first()
    form = DonorOfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.donor_offer_create(**form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return render(request, "donors/donate_thanks.html", {"offer": offer})
    has_campaigns = form.fields["campaign"].queryset.exists()
    status = 400 if form.errors else 200
    return render(request, "donors/donate.html", {"form": form, "has_campaigns": has_campaigns}, status=status)
