"""The after-sales part of a person's data (accounts.privacy): the export lists the fault reports of their
associations with the messages they wrote. Registered in ``SupportConfig.ready()``. Anonymisation needs nothing
more: the reporter and the authors point to the account row, which is kept, and the names
on the history rows become the pseudonym with every journal (accounts.privacy.journal_models)."""

from __future__ import annotations

from django.db.models import Prefetch

from accounts.privacy import iso_date
from support.models import Ticket, TicketMessage


def export(user) -> dict:
    tickets = (
        Ticket.objects.filter(association__memberships__user=user)
        .select_related("association", "computer")
        .prefetch_related(Prefetch("messages", queryset=TicketMessage.objects.filter(author=user)))
        .order_by("created_at", "pk")
    )
    return {
        "fault_reports": [
            {
                "association": t.association.legal_name,
                "computer": t.computer.asset_tag,
                "reported_at": iso_date(t.created_at),
                "reported_by_you": t.reported_by_id == user.pk,
                "description": t.description if t.reported_by_id == user.pk else "",
                "status": str(t.get_status_display()),
                "your_messages": [{"at": iso_date(m.created_at), "body": m.body} for m in t.messages.all()],
            }
            for t in tickets
        ]
    }
