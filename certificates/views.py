"""The public verification page (the association's downloads are the portal's). Thin: reads go through selectors."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from certificates import selectors

# Per client address; enough for people scanning QR codes, too few to enumerate codes.
VERIFY_RATE = "30/m"


def _verify_rate(group, request) -> str:
    return getattr(settings, "CERTIFICATES_VERIFY_RATE", VERIFY_RATE)


@require_safe
@ratelimit(key="ip", rate=_verify_rate, method="GET", block=False)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what a printed certificate must say, and the checksum of the signed PDF. Nothing personal."""
    if getattr(request, "limited", False):
        return import_string(settings.RATELIMIT_VIEW)(request)
    handover = selectors.handover_for_verification(code)
    if handover is None:
        raise Http404
    response = render(request, "certificates/verify.html", {"handover": handover, "allocation": handover.allocation})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
