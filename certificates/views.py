"""The public verification pages (the association's downloads are the portal's). Thin: reads go through selectors.

An unknown number or code gets a page of its own (status 404, rendered here rather than raised, so
that it reads the same with ``DEBUG`` on): it says the certificate may be forged and whom to ask.
Both pages are rate-limited per client address (django-ratelimit, like the rest of the site's
limits) so that numbers and codes cannot be enumerated.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from certificates import selectors
from certificates.forms import VerifyLookupForm

# Per client address; enough for people scanning QR codes, too few to enumerate codes.
VERIFY_RATE = "30/m"
# Typed lookups (numbers are sequential, so they are the first thing one would try to enumerate).
LOOKUP_RATE = "10/m"


def _verify_rate(group, request) -> str:
    return getattr(settings, "CERTIFICATES_VERIFY_RATE", VERIFY_RATE)


def _lookup_rate(group, request) -> str:
    return getattr(settings, "CERTIFICATES_LOOKUP_RATE", LOOKUP_RATE)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _not_found(request: HttpRequest, form: VerifyLookupForm, typed: str) -> HttpResponse:
    context = {"form": form, "typed": typed, "contact_email": settings.CERTIFICATES_CONTACT_EMAIL}
    return _private(render(request, "certificates/verify_not_found.html", context, status=404))


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """``/verify/``: type a certificate's number or code, go to its verification page."""
    if "q" not in request.GET:
        return _private(render(request, "certificates/verify_lookup.html", {"form": VerifyLookupForm()}))
    form = VerifyLookupForm(request.GET)
    if not form.is_valid():
        return _private(render(request, "certificates/verify_lookup.html", {"form": form}, status=400))
    if is_ratelimited(
        request, group="certificates.lookup", key="ip", rate=_lookup_rate, method=is_ratelimited.ALL, increment=True
    ):
        return import_string(settings.RATELIMIT_VIEW)(request)
    handover = selectors.handover_for_lookup(form.cleaned_data["q"])
    if handover is None:
        return _not_found(request, form, form.cleaned_data["q"])
    return redirect(handover.get_verify_url())


@require_safe
@ratelimit(key="ip", rate=_verify_rate, method="GET", block=False)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what a printed certificate must say, and the checksum of the signed PDF. Nothing personal."""
    if getattr(request, "limited", False):
        return import_string(settings.RATELIMIT_VIEW)(request)
    handover = selectors.handover_for_verification(code)
    if handover is None:
        return _not_found(request, VerifyLookupForm(initial={"q": code[:120]}), code[:120])
    if code != handover.code:  # typed in lower case, without dashes…: the address printed on the certificate
        return redirect(handover.get_verify_url())
    response = render(request, "certificates/verify.html", {"handover": handover, "allocation": handover.allocation})
    return _private(response)
