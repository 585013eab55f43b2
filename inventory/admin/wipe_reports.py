"""Importing the reports of the wiping tools (nwipe, Blancco) from the units list: check, then confirm.

The check reads every file and shows, per drive, the unit it matches or why it cannot (nothing is recorded).
The files that can be recorded are held (``core.uploads``, their owner's only) until the confirmation, which
sends only their tokens back: the service reads them again and records everything in one transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.admin_helpers import admin_pages
from core.errors import DomainError
from core.uploads import held_upload, hold_upload, release
from inventory import services
from inventory.forms import WipeReportsForm
from inventory.models import WipeEvidence
from inventory.wipelogs import MAX_FILES, MAX_REPORT_BYTES, ReportError, check_reports, safe_name

HELD_FIELD = "wipe_reports"


def _read(upload) -> bytes:
    """At most one byte more than a report may hold: a huge file is refused without being read whole."""
    upload.seek(0)
    data = upload.read(MAX_REPORT_BYTES + 1)
    upload.seek(0)
    return data


class WipeReportImportMixin:
    """For ComputerAdmin: « Importer des rapports d'effacement », reachable from the units list."""

    def get_urls(self):
        pages = [
            ("wipe-reports/", self.wipe_reports_view, "inventory_computer_wipe_reports"),
            ("wipe-reports/<int:pk>/file/", self.wipe_report_file_view, "inventory_computer_wipe_report_file"),
        ]
        return admin_pages(self, pages) + super().get_urls()

    def wipe_report_file_view(self, request, pk):
        """The original report, downloaded as it was imported (never shown inline: it is the tool's text)."""
        if not request.user.has_perm("inventory.view_wiperecord"):
            raise PermissionDenied
        # A report of another organiser's units is unknown here (404), as one that does not exist.
        from campaigns.scoping import scoped_for_request

        reports = scoped_for_request(WipeEvidence.objects.all(), request, "records__computer__lot__organiser")
        evidence = get_object_or_404(reports, pk=pk)
        try:
            handle = evidence.file.open("rb")
        except OSError:
            raise Http404
        return FileResponse(
            handle, as_attachment=True, filename=evidence.original_name, content_type="application/octet-stream"
        )

    def _wipe_reports_page(self, request, *, form, plan=None, tokens=(), partial=False, status=200):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Importer des rapports d'effacement"),
            "opts": self.model._meta,
            "form": form,
            "plan": plan,
            "tokens": tokens,
            "partial": partial,
            "max_files": MAX_FILES,
            "max_megabytes": MAX_REPORT_BYTES // (1024 * 1024),
            "changelist_url": reverse("admin:inventory_computer_changelist"),
        }
        return TemplateResponse(request, "admin/inventory/computer/wipe_reports.html", context, status=status)

    def wipe_reports_view(self, request):
        if not self.has_record_wipe_permission(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("step") == "confirm":
            return self._wipe_reports_confirm(request)
        if request.method != "POST":
            return self._wipe_reports_page(request, form=WipeReportsForm())
        form = WipeReportsForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._wipe_reports_page(request, form=form)
        uploads = form.cleaned_data["reports"]
        try:
            plan = check_reports([(upload.name, _read(upload)) for upload in uploads], user=request.user)
        except ReportError as error:
            form.add_error("reports", error.message)
            return self._wipe_reports_page(request, form=form)
        tokens = []
        for upload, check in zip(uploads, plan.files, strict=True):
            if check.importable:
                held = hold_upload(upload, user=request.user, field=HELD_FIELD, name=safe_name(upload.name))
                tokens.append(held.token.hex)
        return self._wipe_reports_page(
            request, form=WipeReportsForm(), plan=plan, tokens=tokens, partial=bool(plan.rejected)
        )

    def _wipe_reports_confirm(self, request):
        tokens = request.POST.getlist("token")[:MAX_FILES]
        helds = [held_upload(request.user, token, field=HELD_FIELD) for token in tokens]
        files = []
        for held in helds:
            if held is None:
                break
            try:
                with held.file.open("rb") as handle:
                    files.append((held.name, handle.read(MAX_REPORT_BYTES + 1)))
            except OSError:
                break
        if not tokens or len(files) != len(tokens):
            messages.error(
                request,
                _("Cette confirmation n'est plus valable : rien n'a été enregistré. Déposez de nouveau les rapports."),
            )
            return self._wipe_reports_page(request, form=WipeReportsForm(), status=200)
        partial = request.POST.get("partial") == "1"
        try:
            plan = services.wipe_reports_import(files=files, by=request.user, partial=partial)
        except DomainError as error:
            messages.error(request, _("Rien n'a été enregistré : %(reason)s") % {"reason": error.message})
            return self._wipe_reports_page(request, form=WipeReportsForm())
        if not plan.applied:
            # Something changed since the check (a unit left the workshop…): the new check says what.
            messages.error(request, _("Rien n'a été enregistré : la vérification a changé depuis l'aperçu."))
            return self._wipe_reports_page(request, form=WipeReportsForm(), plan=plan, tokens=tokens, partial=True)
        release([held for held in helds if held is not None])
        messages.success(request, _("Rapports importés : %(summary)s.") % {"summary": plan.summary()})
        return HttpResponseRedirect(reverse("admin:inventory_computer_changelist"))
