"""Public verification page and the association's downloads. Thin: reads go through selectors."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
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


@login_required
def space_list(request: HttpRequest) -> HttpResponse:
    """The certificates of the user's associations."""
    handovers = (
        selectors.handovers_visible_to(request.user)
        .filter(allocation__application__association__memberships__user=request.user)
        .order_by("-created_at")
    )
    return render(request, "certificates/space_list.html", {"handovers": handovers})


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    """The certificate's PDF (signed when signed): members of the association and staff only, 404 for others."""
    handover = get_object_or_404(selectors.handovers_visible_to(request.user), pk=pk)
    document = handover.document
    if not document:
        raise Http404
    try:
        handle = document.storage.open(document.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    suffix = "-signee" if handover.signed_pdf else ""
    response = FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"attestation-{handover.number}{suffix}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
