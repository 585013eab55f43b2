"""Importing computers from a spreadsheet (django-import-export), as the stock team sees it."""

from __future__ import annotations

import os
import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.admin_helpers import admin_pages

# A file of refused rows: its owner's id and a random part (never an uploaded file's name).
_REJECTED_NAME = re.compile(r"^refus-(?P<user>\d+)-[0-9a-f]{32}$")
TEMPLATE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ComputerImportMixin:
    """For ComputerAdmin (with ImportExportMixin): the import page's help, errors and messages, the lot and the
    mode chosen on the form, the template file and the file of refused rows."""

    def get_urls(self):
        pages = [
            ("import/modele.<str:fmt>", self.import_template_view, "inventory_computer_import_template"),
            ("import/refus/<str:name>/", self.import_rejected_view, "inventory_computer_import_rejected"),
        ]
        return admin_pages(self, pages) + super().get_urls()

    def get_import_context_data(self, **kwargs):
        from inventory.importing import COLUMNS, MAX_ROWS, PREVIEW_ROWS

        return {
            "import_columns": COLUMNS,
            "max_rows": MAX_ROWS,
            "preview_rows": PREVIEW_ROWS,
            "template_links": [
                (fmt.upper(), reverse("admin:inventory_computer_import_template", args=[fmt]))
                for fmt in TEMPLATE_FORMATS
            ],
        }

    def create_import_form(self, request):
        form = super().create_import_form(request)
        _scope_lot_choices(form, request)
        return form

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        _scope_lot_choices(form, request)
        return form

    def get_confirm_form_class(self, request):
        from inventory.forms import ComputerConfirmImportForm

        return ComputerConfirmImportForm

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            lot = import_form.cleaned_data.get("lot")
            initial.update({"lot": lot.pk if lot else "", "partial": import_form.cleaned_data.get("partial", False)})
        return initial

    def import_template_view(self, request, fmt):
        from inventory.importing import template_csv, template_xlsx

        if not self.has_import_permission(request):
            raise PermissionDenied
        if fmt not in TEMPLATE_FORMATS:
            raise Http404
        data = template_csv() if fmt == "csv" else template_xlsx()
        response = HttpResponse(data, content_type=TEMPLATE_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="modele-import-ordinateurs.{fmt}"'
        return response

    def _rejected_storage(self, name=None):
        return self.get_tmp_storage_class()(name=name, read_mode="rb", **self.get_tmp_storage_class_kwargs())

    def import_rejected_view(self, request, name):
        """The refused rows of one's own partial import (a CSV kept in the import's temporary storage)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        match = _REJECTED_NAME.match(name)
        if match is None or int(match["user"]) != request.user.pk:
            raise Http404
        try:
            data = self._rejected_storage(name).read()
        except (OSError, ValueError):
            data = None
        if not data:
            raise Http404
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lignes-refusees.csv"'
        return response

    def process_import(self, request, **kwargs):
        # The preview's copy of the file is gone (the import was confirmed already, or the preview waited longer
        # than the sweep keeps it: inventory/import_files.py): say so and start again, instead of an error page.
        from inventory.import_files import FOLDER, import_files_storage

        name = os.path.basename(request.POST.get("import_file_name", ""))
        if request.method == "POST" and name and self.has_import_permission(request):
            if not import_files_storage().exists(f"{FOLDER}/{name}"):
                messages.error(
                    request,
                    _(
                        "Cet aperçu n'est plus disponible (import déjà confirmé, ou aperçu de plus de %(hours)s h) : "
                        "importez le fichier de nouveau."
                    )
                    % {"hours": settings.IMPORT_FILES_KEEP_HOURS},
                )
                return HttpResponseRedirect(reverse("admin:inventory_computer_import"))
        return super().process_import(request, **kwargs)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        # A file that cannot be imported is not kept: only a preview ready to confirm keeps its copy
        # (removed by the confirmation).
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = (getattr(form, "cleaned_data", None) or {}).get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if name and "confirm_form" not in context:
            storage = self.get_tmp_storage_class()(name=name, read_mode="rb", **self.get_tmp_storage_class_kwargs())
            try:
                storage.remove()
            except OSError:
                pass
        return response

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        context["export_count"] = self.get_export_queryset(request).count()
        context["export_filtered"] = any(key not in ("o", "p") for key in request.GET)
        return context

    def get_import_resource_kwargs(self, request, **kwargs):
        chosen = getattr(kwargs.get("form"), "cleaned_data", None) or {}
        return {"user": request.user, "lot": chosen.get("lot"), "partial": bool(chosen.get("partial"))}

    def add_data_read_fail_error_to_form(self, form, e):
        from inventory.importing import ImportFileError

        if isinstance(e, ImportFileError):
            form.add_error("import_file", e.message)
        else:
            form.add_error(
                "import_file", _("Ce fichier ne peut pas être lu : enregistrez-le en CSV UTF-8 ou en .xlsx.")
            )

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, _("Rien n'a été importé : le fichier contient des erreurs."))
            context = self.admin_site.each_context(request)
            context.update(self.get_import_context_data())
            context.update(
                {
                    "title": _("Importer des ordinateurs"),
                    "form": self.create_import_form(_EmptyPost(request)),
                    "opts": self.model._meta,
                    "result": result,
                    "import_error_display": self.import_error_display,
                    "fields_list": [],
                }
            )
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        from import_export.results import RowResult

        totals = result.totals
        messages.success(
            request,
            _("Import terminé : %(new)s ordinateurs créés, %(updated)s mis à jour, %(skip)s inchangés.")
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
                "skip": totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )
        refused = getattr(result, "inventory_refused_lines", 0)
        table = getattr(result, "inventory_table", None)
        if refused and table is not None:
            from inventory.importing import rejected_rows_csv

            storage = self._rejected_storage(f"refus-{request.user.pk}-{uuid.uuid4().hex}")
            storage.save(rejected_rows_csv(table, result.inventory_plan))
            url = reverse("admin:inventory_computer_import_rejected", args=[storage.name])
            messages.warning(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    ngettext(
                        "%(n)s ligne refusée n'a pas été importée.",
                        "%(n)s lignes refusées n'ont pas été importées.",
                        refused,
                    )
                    % {"n": refused},
                    url,
                    _("Télécharger les lignes refusées (CSV), avec le motif de chaque refus"),
                ),
            )


class _EmptyPost:
    """A request seen as a fresh GET, to build an empty import form next to the errors."""

    def __init__(self, request):
        self._request = request
        self.POST = {}
        self.FILES = {}
        self.method = "GET"

    def __getattr__(self, name):
        return getattr(self._request, name)


def _scope_lot_choices(form, request) -> None:
    """Only the lots of the user's organisers may be chosen: another organiser's lot is « invalid choice »."""
    from inventory.forms import import_lots

    if "lot" in getattr(form, "fields", {}):
        form.fields["lot"].queryset = import_lots(request.user)
