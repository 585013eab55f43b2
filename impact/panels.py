"""The donor documents' panel on a lot's admin page (subscribed to ``inventory.hooks.lot_page_panels``)."""

from __future__ import annotations

from impact.models import DonorDocument


def lot_documents(*, lot, request) -> dict | None:
    """The lot's traceability reports (one query) and whether the user may ask for one (its organiser's staff)."""
    user = request.user
    if not user.has_perm("impact.view_donordocument"):
        return None
    documents = list(
        DonorDocument.objects.filter(lot=lot, kind=DonorDocument.Kind.TRACEABILITY).order_by("-created_at", "-pk")[:10]
    )
    from campaigns.scoping import user_may_act_on

    can_request = user.has_perm("impact.add_donordocument") and user_may_act_on(user, lot, "organiser")
    return {"template": "admin/impact/_lot_documents.html", "documents": documents, "can_request": can_request}
