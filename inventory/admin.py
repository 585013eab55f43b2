"""The stock in the Django admin: lots, computers, wipe records and history.

Thin: lists, filters and forms are configured here; every change goes through ``inventory.services``
and each bulk action reports, per unit, what was done and what was refused and why.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export.admin import ImportExportMixin

from core.errors import DomainError
from inventory import selectors, services
from inventory.forms import (
    ComputerExportForm,
    ComputerForm,
    ComputerImportForm,
    LotForm,
    NoteForm,
    ScrapForm,
    WipeForm,
)
from inventory.labels import MAX_LABELS, labels_pdf
from inventory.models import Computer, ComputerEvent, Lot, WipeRecord, gigabytes
from inventory.resources import FORMATS, ComputerResource

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


def _names(computers) -> str:
    tags = [c.asset_tag for c in computers]
    text = ", ".join(tags[:NAMED_IN_MESSAGES])
    if len(tags) > NAMED_IN_MESSAGES:
        text += " " + _("et %(n)s autres") % {"n": len(tags) - NAMED_IN_MESSAGES}
    return text


def _safe_next(request) -> str | None:
    target = request.POST.get("_next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


# Lots -----------------------------------------------------------------------------------------


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    form = LotForm
    view_on_site = False
    list_display = (
        "reference",
        "donor",
        "arrival_date",
        "received_display",
        "status_breakdown",
        "site_display",
    )
    list_filter = ("donor", "arrival_date")
    search_fields = ("reference", "site", "donor__name")
    date_hierarchy = "arrival_date"
    autocomplete_fields = ()
    change_form_template = "admin/inventory/lot/change_form.html"
    change_list_template = "admin/inventory/lot/change_list.html"
    actions = ["print_labels"]
    fields = ("donor", "reference", "arrival_date", "site", "expected_count", "notes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor").with_counts()

    def has_delete_permission(self, request, obj=None):
        # A lot that holds units is protected by the database; an empty one may go (superuser only).
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("reçus / annoncés"), ordering="received_count")
    def received_display(self, lot):
        if lot.expected_count:
            return format_html('{} <span class="inv-muted">/ {}</span>', lot.received_count, lot.expected_count)
        return lot.received_count

    @admin.display(description=gettext_lazy("site"), ordering="site")
    def site_display(self, lot):
        return lot.site if len(lot.site) <= 40 else format_html('<span title="{}">{}…</span>', lot.site, lot.site[:38])

    @admin.display(description=gettext_lazy("par statut"))
    def status_breakdown(self, lot):
        rows = [
            (STATUS_COLOURS[value], getattr(lot, f"n_{value}"), SHORT_STATUS_LABELS[value])
            for value in S.values
            if getattr(lot, f"n_{value}")
        ]
        if not rows:
            return "—"
        return format_html_join("", '<span class="inv-count-line"><span style="color:{}">●</span> {} {}</span>', rows)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.LOT_FIELDS if name in form.cleaned_data}
        if change:
            services.lot_update(lot=obj, by=request.user, **data)
        else:
            created = services.lot_create(by=request.user, **data)
            obj.pk = created.pk
            obj.created_at = created.created_at

    def get_urls(self):
        return [
            path(
                "<int:pk>/labels/",
                self.admin_site.admin_view(self.labels_view),
                name="inventory_lot_labels",
            ),
            *super().get_urls(),
        ]

    def labels_view(self, request, pk):
        if not (request.user.has_perm("inventory.view_lot") and request.user.has_perm("inventory.view_computer")):
            raise PermissionDenied
        lot = get_object_or_404(Lot, pk=pk)
        response = _labels_response(lot.computers.all(), f"etiquettes-{slugify(lot.reference)}.pdf", lot.reference)
        if response is None:
            _too_many_labels(request)
            return HttpResponseRedirect(reverse("admin:inventory_lot_change", args=[lot.pk]))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        lot = self.get_object(request, object_id)
        if lot is not None:
            units = selectors.lot_units(lot)
            page = Paginator(units, 50).get_page(request.GET.get("unites"))
            extra_context.update(
                {
                    "lot_status_counts": selectors.status_counts(lot.computers.all()),
                    "units_page": page,
                    "units_rows": [(c, status_badge(c.status)) for c in page.object_list],
                    "can_view_computers": request.user.has_perm("inventory.view_computer"),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Imprimer les étiquettes des lots sélectionnés (PDF)"), permissions=["view"])
    def print_labels(self, request, queryset):
        if not request.user.has_perm("inventory.view_computer"):
            raise PermissionDenied
        computers = Computer.objects.filter(lot__in=queryset)
        response = _labels_response(computers, "etiquettes-lots.pdf", _("Étiquettes des lots"))
        if response is None:
            _too_many_labels(request)
        return response


def _labels_response(queryset, filename: str, title: str) -> HttpResponse | None:
    """The PDF of the labels, or None when there are too many for one file."""
    if queryset.count() > MAX_LABELS:
        return None
    pdf = labels_pdf(selectors.computers_for_labels(queryset), title=title)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _too_many_labels(request) -> None:
    messages.error(
        request,
        _("Trop d'étiquettes pour un seul fichier (%(max)s au plus) : filtrez par lot ou par statut.")
        % {"max": MAX_LABELS},
    )


# Computers ------------------------------------------------------------------------------------


class WipeStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("effacement")
    parameter_name = "effacement"

    def lookups(self, request, model_admin):
        return [
            ("ok", _("réussi ou exempté")),
            ("failed", _("en échec")),
            ("none", _("pas encore enregistré")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "ok":
            return queryset.filter(wipe_record__isnull=False)
        if self.value() == "failed":
            return queryset.filter(wipe_failed=True)
        if self.value() == "none":
            return queryset.filter(wipe_record__isnull=True, wipe_failed=False)
        return queryset


class FlagsFilter(admin.SimpleListFilter):
    title = gettext_lazy("signalements")
    parameter_name = "signalement"

    def lookups(self, request, model_admin):
        return [
            ("part", _("pièce à remplacer")),
            ("wipe", _("effacement en échec")),
            ("any", _("au moins un")),
            ("no_accessories", _("sans clavier ou souris")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "part":
            return queryset.filter(needs_spare_part=True)
        if value == "wipe":
            return queryset.filter(wipe_failed=True)
        if value == "any":
            return queryset.filter(Q(needs_spare_part=True) | Q(wipe_failed=True))
        if value == "no_accessories":
            return queryset.filter(Q(has_keyboard=False) | Q(has_mouse=False))
        return queryset


class WipeRecordInline(admin.TabularInline):
    model = WipeRecord
    fk_name = "computer"
    extra = 0
    max_num = 0
    can_delete = False
    fields = (
        "performed_on",
        "kind",
        "method",
        "result",
        "tool",
        "tool_version",
        "report_reference",
        "exemption",
        "exemption_reason",
        "actor_label",
        "created_at",
    )
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("effacements des données (le plus récent en premier)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComputerEventInline(admin.TabularInline):
    model = ComputerEvent
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "actor_label", "note")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    verbose_name_plural = gettext_lazy("historique")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Computer)
class ComputerAdmin(ImportExportMixin, admin.ModelAdmin):
    form = ComputerForm
    view_on_site = False
    resource_classes = [ComputerResource]
    formats = FORMATS
    import_formats = FORMATS
    export_formats = FORMATS
    import_template_name = "admin/inventory/computer/import.html"
    import_form_class = ComputerImportForm
    export_form_class = ComputerExportForm
    export_template_name = "admin/inventory/computer/export.html"
    tmp_storage_class = "import_export.tmp_storages.MediaStorage"
    skip_admin_log = True  # each unit has its own history (ComputerEvent)
    change_list_template = "admin/inventory/computer/change_list.html"
    change_form_template = "admin/inventory/computer/change_form.html"
    list_display = (
        "asset_tag",
        "serial_number",
        "status_display",
        "wipe_display",
        "model_display",
        "config_display",
        "grade",
        "since_display",
    )
    list_display_links = ("asset_tag", "serial_number")
    list_filter = (
        "status",
        "lot",
        "grade",
        "ram_gb",
        "storage_gb",
        "storage_type",
        "os",
        WipeStateFilter,
        FlagsFilter,
        "manufacturer",
        "model",
    )
    search_fields = ("serial_number", "asset_tag")
    search_help_text = gettext_lazy("Numéro de série ou numéro d'inventaire, complet ou en partie.")
    list_select_related = ("lot",)
    list_per_page = 100
    list_max_show_all = 500
    show_full_result_count = True
    ordering = ("asset_tag",)
    inlines = [WipeRecordInline, ComputerEventInline]
    readonly_fields = (
        "status_display",
        "status_changed_at",
        "wipe_failed",  # set by the wipe service only: the latest wipe decides
        "wipe_detail",
        "scrap_reason",
        "created_at",
        "updated_at",
    )
    actions = ["start_reconditioning", "record_wipe", "mark_ready", "scrap", "print_labels"]

    def get_fieldsets(self, request, obj=None):
        identity = ("asset_tag", "lot", "manufacturer", "model", "serial_number", "form_factor")
        spec = ("cpu", ("ram_gb", "storage_gb", "storage_type"), "os", "grade", ("has_keyboard", "has_mouse"))
        flags = ("needs_spare_part", "wipe_failed", "notes")
        if obj is None:
            flags = ("needs_spare_part", "notes")
        sets = [
            (_("Identification"), {"fields": identity}),
            (_("Caractéristiques"), {"fields": spec}),
            (_("Signalements"), {"fields": flags}),
        ]
        if obj is not None:
            sets.insert(
                0,
                (
                    _("Statut"),
                    {"fields": ("status_display", "status_changed_at", "wipe_detail", "scrap_reason")},
                ),
            )
            sets.append((_("Dates"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}))
        return sets

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new unit has no wipe record nor history yet

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Identifiers are stored in capitals without spaces: search the same way.
        needle = term.replace(" ", "").upper()
        return queryset.filter(Q(serial_number__contains=needle) | Q(asset_tag__contains=needle)), False

    # Permissions ------------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        return False  # a unit is scrapped, never deleted: its history and wipe evidence stay

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == S.HANDED_OVER:
            return False  # handed over: the record is final (the certificate lists it)
        return super().has_change_permission(request, obj)

    def has_record_wipe_permission(self, request):
        return request.user.has_perm("inventory.record_wipe")

    def has_import_permission(self, request):
        return request.user.has_perm("inventory.add_computer") and request.user.has_perm("inventory.change_computer")

    def has_export_permission(self, request):
        return request.user.has_perm("inventory.view_computer")

    # Columns ----------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("modèle et lot"), ordering="model")
    def model_display(self, computer):
        return format_html(
            '{}&nbsp;{}<br><span class="inv-muted">{}</span>',
            computer.manufacturer,
            computer.model,
            computer.lot.reference,
        )

    @admin.display(description=gettext_lazy("depuis le"), ordering="status_changed_at")
    def since_display(self, computer):
        return timezone.localtime(computer.status_changed_at).strftime("%d/%m/%Y")

    @admin.display(description=gettext_lazy("statut"), ordering="status")
    def status_display(self, computer):
        return status_badge(computer.status)

    @admin.display(description=gettext_lazy("configuration et système"), ordering="ram_gb")
    def config_display(self, computer):
        parts = []
        if computer.ram_gb:
            parts.append(gigabytes(computer.ram_gb))
        if computer.storage_gb:
            kind = computer.get_storage_type_display() if computer.storage_type else ""
            parts.append(f"{gigabytes(computer.storage_gb)} {kind}".strip())
        text = " · ".join(parts) or "—"
        if computer.os:
            text = format_html('{}<br><span class="inv-muted">{}</span>', text, computer.os)
        flags = []
        if computer.needs_spare_part:
            flags.append(_("pièce à remplacer"))
        if not (computer.has_keyboard and computer.has_mouse):
            flags.append(_("sans clavier ou souris"))
        if flags:
            return format_html('{}<br><span class="inv-ko">{}</span>', text, ", ".join(flags))
        return text

    @admin.display(description=gettext_lazy("effacement"))
    def wipe_display(self, computer):
        if computer.wipe_record_id:
            return format_html('<span class="inv-ok" title="{}">✔</span>', _("réussi ou exempté"))
        if computer.wipe_failed:
            return format_html('<span class="inv-ko" title="{}">✘ {}</span>', _("en échec"), _("échec"))
        return format_html('<span class="inv-muted">{}</span>', _("à faire"))

    @admin.display(description=gettext_lazy("effacement des données"))
    def wipe_detail(self, computer):
        record = computer.wipe_record
        if record is None:
            if computer.wipe_failed:
                return _("Le dernier effacement a échoué : à refaire avant de marquer l'ordinateur prêt.")
            return _("Aucun effacement enregistré.")
        if record.kind == WipeRecord.Kind.EXEMPTION:
            return _("Exemption : %(type)s – %(reason)s") % {
                "type": record.get_exemption_display(),
                "reason": record.exemption_reason,
            }
        return _("%(method)s, %(tool)s, le %(date)s, rapport %(ref)s (%(who)s)") % {
            "method": record.get_method_display(),
            "tool": f"{record.tool} {record.tool_version}".strip() or "—",
            "date": record.performed_on.strftime("%d/%m/%Y"),
            "ref": record.report_reference,
            "who": record.actor_label or "—",
        }

    # Pages ------------------------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lot", "wipe_record")

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("lot__donor", "wipe_record")

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            cl = context["cl"]
            summary = selectors.stock_summary(cl.queryset)
            current = request.GET.get("status__exact")
            for item in summary["statuses"]:
                item["colour"] = STATUS_COLOURS[item["status"]]
                item["active"] = current == item["status"]
                if item["active"]:
                    item["url"] = cl.get_query_string(remove=["status__exact", "p"])
                else:
                    item["url"] = cl.get_query_string({"status__exact": item["status"]}, ["p"])
            context["stock_summary"] = summary
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        computer = self.get_object(request, object_id)
        if computer is not None:
            actions = []
            user = request.user
            if user.has_perm("inventory.change_computer"):
                if computer.status in services.MOVES["start_reconditioning"][0]:
                    actions.append(("start_reconditioning", _("Démarrer le reconditionnement")))
                if computer.status in services.MOVES["mark_ready"][0]:
                    actions.append(("mark_ready", _("Marquer prêt")))
            if user.has_perm("inventory.record_wipe") and computer.status in services.WIPE_STATUSES:
                actions.append(("record_wipe", _("Enregistrer un effacement")))
            if user.has_perm("inventory.change_computer") and computer.status in services.MOVES["scrap"][0]:
                actions.append(("scrap", _("Mettre au rebut")))
            extra_context["unit_actions"] = actions
            extra_context["changelist_url"] = reverse("admin:inventory_computer_changelist")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in data.items() if name in form.changed_data}
            services.computer_update(computer=obj, by=request.user, **changed)
        else:
            created = services.computer_create(by=request.user, **data)
            obj.pk = created.pk
            obj.asset_tag = created.asset_tag

    def save_formset(self, request, form, formset, change):
        # The inlines (wipe records, history) are read-only: nothing to save, but the admin's
        # change message reads these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # Import -----------------------------------------------------------------------------------

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

    # Actions ----------------------------------------------------------------------------------

    def _report(self, request, result: services.BulkResult, done_text: str):
        if result.done:
            self.message_user(
                request,
                ngettext(
                    "%(n)s ordinateur %(what)s : %(names)s.",
                    "%(n)s ordinateurs %(what)s : %(names)s.",
                    len(result.done),
                )
                % {"n": len(result.done), "what": done_text, "names": _names(result.done)},
                messages.SUCCESS,
            )
        by_reason = defaultdict(list)
        for refusal in result.refused:
            by_reason[refusal.reason].append(refusal.computer)
        for reason, computers in by_reason.items():
            self.message_user(
                request,
                ngettext(
                    "%(n)s ordinateur refusé (%(reason)s) : %(names)s.",
                    "%(n)s ordinateurs refusés (%(reason)s) : %(names)s.",
                    len(computers),
                )
                % {"n": len(computers), "reason": reason, "names": _names(computers)},
                messages.WARNING,
            )
        if result.missing:
            self.message_user(
                request,
                _("%(n)s ordinateurs introuvables (supprimés entre-temps ?).") % {"n": len(result.missing)},
                messages.WARNING,
            )
        if not result.done and not result.refused:
            self.message_user(request, _("Aucun ordinateur sélectionné."), messages.WARNING)
        return HttpResponseRedirect(_safe_next(request)) if _safe_next(request) else None

    def _ids(self, queryset) -> list[int]:
        return list(queryset.order_by().values_list("pk", flat=True))

    def _form_page(self, request, queryset, *, action: str, title: str, form, intro: str, submit: str):
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "intro": intro,
            "submit_label": submit,
            "action_name": action,
            "count": count,
            "preview": [(c, status_badge(c.status)) for c in queryset.select_related("lot").order_by("asset_tag")[:30]],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "next": _safe_next(request) or "",
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/inventory/computer/action_form.html", context)

    @admin.action(description=gettext_lazy("Démarrer le reconditionnement"), permissions=["change"])
    def start_reconditioning(self, request, queryset):
        form = NoteForm(request.POST or None)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        result = services.computers_start_reconditioning(computer_ids=self._ids(queryset), by=request.user, note=note)
        return self._report(request, result, _("en reconditionnement"))

    @admin.action(description=gettext_lazy("Marquer prêts (effacement vérifié)"), permissions=["change"])
    def mark_ready(self, request, queryset):
        form = NoteForm(request.POST or None)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        result = services.computers_mark_ready(computer_ids=self._ids(queryset), by=request.user, note=note)
        return self._report(request, result, _("marqués prêts"))

    @admin.action(description=gettext_lazy("Enregistrer un effacement des données"), permissions=["record_wipe"])
    def record_wipe(self, request, queryset):
        if "apply" in request.POST:
            form = WipeForm(request.POST)
            if form.is_valid():
                try:
                    result = services.computers_record_wipe(
                        computer_ids=self._ids(queryset), by=request.user, **form.service_kwargs()
                    )
                except DomainError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                else:
                    return self._report(request, result, _("avec effacement enregistré"))
        else:
            form = WipeForm()
        return self._form_page(
            request,
            queryset,
            action="record_wipe",
            title=_("Enregistrer un effacement des données"),
            form=form,
            intro=_(
                "Le même effacement (ou la même exemption) est enregistré pour chaque ordinateur sélectionné. "
                "Le dernier enregistrement fait foi : un échec retire l'autorisation de remise."
            ),
            submit=_("Enregistrer l'effacement"),
        )

    @admin.action(description=gettext_lazy("Mettre au rebut (recyclage)"), permissions=["change"])
    def scrap(self, request, queryset):
        if "apply" in request.POST:
            form = ScrapForm(request.POST)
            if form.is_valid():
                result = services.computers_scrap(
                    computer_ids=self._ids(queryset), by=request.user, reason=form.cleaned_data["reason"]
                )
                return self._report(request, result, _("mis au rebut"))
        else:
            form = ScrapForm()
        return self._form_page(
            request,
            queryset,
            action="scrap",
            title=_("Mettre au rebut"),
            form=form,
            intro=_(
                "Les ordinateurs mis au rebut partent au recyclage et ne peuvent plus revenir en stock. "
                "Un ordinateur réservé pour une association doit d'abord quitter son attribution "
                "(refusé à la remise, ou attribution annulée par le responsable de campagne)."
            ),
            submit=_("Mettre au rebut"),
        )

    @admin.action(description=gettext_lazy("Imprimer les étiquettes (PDF)"), permissions=["view"])
    def print_labels(self, request, queryset):
        response = _labels_response(queryset, "etiquettes.pdf", _("Étiquettes d'inventaire"))
        if response is None:
            _too_many_labels(request)
        return response


class _EmptyPost:
    """A request seen as a fresh GET, to build an empty import form next to the errors."""

    def __init__(self, request):
        self._request = request
        self.POST = {}
        self.FILES = {}
        self.method = "GET"

    def __getattr__(self, name):
        return getattr(self._request, name)


# Evidence and history (read-only lists) -------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WipeRecord)
class WipeRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "computer",
        "kind",
        "method",
        "result",
        "exemption",
        "report_reference",
        "performed_on",
        "actor_label",
        "created_at",
    )
    list_filter = ("kind", "method", "result", "exemption", "performed_on")
    search_fields = ("computer__serial_number", "computer__asset_tag", "report_reference")
    list_select_related = ("computer",)
    date_hierarchy = "performed_on"
    show_full_result_count = False


@admin.register(ComputerEvent)
class ComputerEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "computer", "kind", "from_status", "to_status", "actor_label", "note")
    list_filter = ("kind", "to_status", "created_at")
    search_fields = ("computer__serial_number", "computer__asset_tag", "actor_label")
    list_select_related = ("computer",)
    date_hierarchy = "created_at"
    show_full_result_count = False
