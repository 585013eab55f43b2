"""The scan page of the stock: read a label (camera or USB scanner), see the unit, act on it with big buttons.

A label's QR code holds the unit's asset tag (``inventory.labels``); a USB scanner types what it reads followed by
Enter into the focused field, which sends the form. The page finds the unit by asset tag or serial number
(``inventory.selectors.computers_by_code``) and offers the moves of the unit's own page; each button runs the
list action on this one unit (the same services, the same checks) and comes back here for the next scan.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.admin_helpers import admin_pages
from inventory import selectors
from inventory.admin.display import status_badge

# What the page reads of a code: more than any identifier, less than a pasted page.
MAX_TYPED = 200


class ComputerScanMixin:
    """For ComputerAdmin: the ``scan/`` page (view permission; the buttons follow the user's other permissions)."""

    def get_urls(self):
        return admin_pages(self, [("scan/", self.scan_view, "inventory_computer_scan")]) + super().get_urls()

    def scan_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        code = request.GET.get("code", "")[:MAX_TYPED]
        scan_url = reverse("admin:inventory_computer_scan")
        computer, matches, unknown = None, [], ""
        if code.strip():
            # Only the units of the lots of the user's organisers: another organiser's unit is « unknown ».
            matches = selectors.computers_by_code(code, user=request.user)
            if len(matches) == 1:
                computer = matches[0]
            elif not matches:
                unknown = selectors.code_candidates(code)[:80] or code.strip()[:80]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Scanner un ordinateur"),
            "is_nav_sidebar_enabled": False,  # a phone or a tablet: the whole width for the field and the buttons
            "opts": self.model._meta,
            "scan_url": scan_url,
            "changelist_url": reverse("admin:inventory_computer_changelist"),
            "unknown": unknown,
            "matches": [(c, status_badge(c.status), f"{scan_url}?{urlencode({'code': c.asset_tag})}") for c in matches]
            if len(matches) > 1
            else [],
            "computer": computer,
        }
        if computer is not None:
            context.update(
                {
                    "badge": status_badge(computer.status),
                    "unit_actions": self.unit_actions(request, computer),
                    "can_print": request.user.has_perm("inventory.view_computer"),
                    "back_url": f"{scan_url}?{urlencode({'code': computer.asset_tag})}",
                    "unit_url": reverse("admin:inventory_computer_change", args=[computer.pk]),
                    "wipe_text": self.wipe_detail(computer),
                }
            )
        return TemplateResponse(request, "admin/inventory/computer/scan.html", context)
