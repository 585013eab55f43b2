"""The donor space (namespace ``donors``, under /donor/): a company's pledges, lots, equipped associations and
the CO2e its computers avoided."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from impact.carbon import FACTORS
from portal.donors import donor_space


@login_required
def space(request: HttpRequest) -> HttpResponse:
    """The space's home; a person who acts for no donor is told how a company joins (the offer form)."""
    home = donor_space(request.user)
    return render(request, "donors/space.html", {"home": home, "factors": FACTORS.values()})
