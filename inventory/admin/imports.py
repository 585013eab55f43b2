"""Importing computers from a spreadsheet (django-import-export), as the stock team sees it."""

from __future__ import annotations

from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


class ComputerImportMixin:
    """For ComputerAdmin (with ImportExportMixin): the import page's help, errors and messages."""

    def get_import_context_data(self, **kwargs):
        from inventory.importing import COLUMNS, MAX_ROWS, PREVIEW_ROWS

        return {"import_columns": COLUMNS, "max_rows": MAX_ROWS, "preview_rows": PREVIEW_ROWS}

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
        return {"user": request.user}

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


class _EmptyPost:
    """A request seen as a fresh GET, to build an empty import form next to the errors."""

    def __init__(self, request):
        self._request = request
        self.POST = {}
        self.FILES = {}
        self.method = "GET"

    def __getattr__(self, name):
        return getattr(self._request, name)
