"""The after-sales' panel on a lot's admin page (subscribed to ``inventory.hooks.lot_page_panels``)."""

from __future__ import annotations

from support.selectors import fault_rates


def lot_fault_rates(*, lot, request) -> dict | None:
    """The lot's units handed over and reported faulty, per model (two queries); for whoever sees the tickets."""
    if not request.user.has_perm("support.view_ticket"):
        return None
    return {"template": "admin/support/_lot_fault_rates.html", "faults": fault_rates(lot.computers.all())}
