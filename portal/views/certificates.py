"""The association's certificates in its space: the list and the PDFs (members and staff only)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from certificates import selectors
from core.files import open_or_404


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
    handle = open_or_404(document)
    suffix = "-signee" if handover.signed_pdf else ""
    response = FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"attestation-{handover.number}{suffix}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
