"""Label sheets (PDF) from the admin: for a lot's page, for selected lots and for selected units."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import scoped_for_request
from core.admin_helpers import admin_pages
from inventory import selectors
from inventory.labels import MAX_LABELS, labels_pdf
from inventory.models import Computer, Lot


def labels_response(request, queryset, filename: str, title: str) -> HttpResponse | None:
    """The PDF of the labels of ``queryset``; None, with a message, when there are too many for one file."""
    if queryset.count() > MAX_LABELS:
        messages.error(
            request,
            _("Trop d'étiquettes pour un seul fichier (%(max)s au plus) : filtrez par lot ou par statut.")
            % {"max": MAX_LABELS},
        )
        return None
    pdf = labels_pdf(selectors.computers_for_labels(queryset), title=title)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class LotLabelsMixin:
    """For LotAdmin: the labels of one lot (a link on its page) and of the selected lots (an action)."""

    def get_urls(self):
        pages = [("<int:pk>/labels/", self.labels_view, "inventory_lot_labels")]
        return admin_pages(self, pages) + super().get_urls()

    def labels_view(self, request, pk):
        if not (request.user.has_perm("inventory.view_lot") and request.user.has_perm("inventory.view_computer")):
            raise PermissionDenied
        lot = get_object_or_404(scoped_for_request(Lot.objects.all(), request, "organiser"), pk=pk)
        response = labels_response(
            request, lot.computers.all(), f"etiquettes-{slugify(lot.reference)}.pdf", lot.reference
        )
        if response is None:
            return HttpResponseRedirect(reverse("admin:inventory_lot_change", args=[lot.pk]))
        return response

    @admin.action(description=gettext_lazy("Imprimer les étiquettes des lots sélectionnés (PDF)"), permissions=["view"])
    def print_labels(self, request, queryset):
        if not request.user.has_perm("inventory.view_computer"):
            raise PermissionDenied
        computers = Computer.objects.filter(lot__in=queryset)
        return labels_response(request, computers, "etiquettes-lots.pdf", _("Étiquettes des lots"))
