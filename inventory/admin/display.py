"""How the stock admin shows a unit: status colours and badges, lists of units in messages, the return address."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Computer

S = Computer.Status
# How many units a message names before summing up the rest.
NAMED_IN_MESSAGES = 30

STATUS_COLOURS = {
    S.RECEIVED: "#6c757d",
    S.RECONDITIONING: "#b35c00",
    S.READY: "#1e7e34",
    S.RESERVED: "#0b5ed7",
    S.HANDED_OVER: "#5a3e99",
    S.SCRAPPED: "#a71d2a",
}


SHORT_STATUS_LABELS = {
    S.RECEIVED: gettext_lazy("reçus"),
    S.RECONDITIONING: gettext_lazy("en atelier"),
    S.READY: gettext_lazy("prêts"),
    S.RESERVED: gettext_lazy("réservés"),
    S.HANDED_OVER: gettext_lazy("remis"),
    S.SCRAPPED: gettext_lazy("au rebut"),
}


def status_badge(status: str):
    return format_html(
        '<span class="inv-badge" style="background:{}">{}</span>', STATUS_COLOURS.get(status, "#666"), S(status).label
    )


def unit_names(computers) -> str:
    tags = [c.asset_tag for c in computers]
    text = ", ".join(tags[:NAMED_IN_MESSAGES])
    if len(tags) > NAMED_IN_MESSAGES:
        text += " " + _("et %(n)s autres") % {"n": len(tags) - NAMED_IN_MESSAGES}
    return text


def safe_next(request) -> str | None:
    target = request.POST.get("_next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None
