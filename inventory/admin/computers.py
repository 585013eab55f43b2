"""Computers in the admin: the list with its stock summary, the unit's page, import and export, bulk actions."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin

from campaigns.scoping import OrganiserScopedAdmin, ScopedRelatedFieldListFilter
from inventory import selectors, services
from inventory.admin.actions import ComputerActionsMixin
from inventory.admin.display import STATUS_COLOURS, S, status_badge
from inventory.admin.filters import FlagsFilter, FunctionalTestFilter, TodoFilter, WipeStateFilter
from inventory.admin.imports import ComputerImportMixin
from inventory.admin.inlines import ComputerEventInline, FunctionalTestInline, WipeRecordInline
from inventory.admin.scan import ComputerScanMixin
from inventory.admin.wipe_reports import WipeReportImportMixin
from inventory.forms import ComputerExportForm, ComputerForm, ComputerImportForm
from inventory.models import Computer, WipeRecord, gigabytes
from inventory.resources import FORMATS, ComputerResource

# Written by the scrap service only: shown read-only on a scrapped unit's page.
END_OF_LIFE_FIELDS = (
    "scrap_cause",
    "storage_outcome",
    "storage_certificate",
    "recycler",
    "recycler_reference",
    "parts_kept",
)


@admin.register(Computer)
class ComputerAdmin(
    OrganiserScopedAdmin,
    ComputerScanMixin,
    WipeReportImportMixin,
    ComputerActionsMixin,
    ComputerImportMixin,
    ImportExportMixin,
    admin.ModelAdmin,
):
    organiser_path = "lot__organiser"
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
        "test_display",
        "model_display",
        "config_display",
        "grade",
        "since_display",
    )
    list_display_links = ("asset_tag", "serial_number")
    list_filter = (
        TodoFilter,
        "status",
        ("lot", ScopedRelatedFieldListFilter),
        "grade",
        "ram_gb",
        "storage_gb",
        "storage_type",
        "os",
        WipeStateFilter,
        FunctionalTestFilter,
        FlagsFilter,
        "manufacturer",
        "model",
        "scrap_cause",
        "storage_outcome",
    )
    search_fields = ("serial_number", "asset_tag")
    search_help_text = gettext_lazy(
        "Numéro de série, numéro de série du disque ou numéro d'inventaire, complet ou en partie."
    )
    list_select_related = ("lot",)
    list_per_page = 100
    list_max_show_all = 500
    show_full_result_count = True
    ordering = ("asset_tag",)
    inlines = [WipeRecordInline, FunctionalTestInline, ComputerEventInline]
    readonly_fields = (
        "status_display",
        "status_changed_at",
        "wipe_failed",  # set by the wipe service only: the latest wipe decides
        "wipe_detail",
        "functional_test_failed",  # set by the functional test service only: the latest test decides
        "test_detail",
        "scrap_reason",
        *END_OF_LIFE_FIELDS,
        "created_at",
        "updated_at",
    )
    actions = ["start_reconditioning", "record_wipe", "record_functional_test", "mark_ready", "scrap", "print_labels"]

    def get_fieldsets(self, request, obj=None):
        identity = ("asset_tag", "lot", "manufacturer", "model", "serial_number", "disk_serial", "form_factor")
        spec = ("cpu", ("ram_gb", "storage_gb", "storage_type"), "os", "grade", ("has_keyboard", "has_mouse"))
        flags = ("needs_spare_part", "wipe_failed", "functional_test_failed", "notes")
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
                    {"fields": ("status_display", "status_changed_at", "wipe_detail", "test_detail", "scrap_reason")},
                ),
            )
            if obj.status == Computer.Status.SCRAPPED:
                sets.insert(1, (_("Fin de vie"), {"fields": END_OF_LIFE_FIELDS}))
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
        return (
            queryset.filter(
                Q(serial_number__contains=needle) | Q(asset_tag__contains=needle) | Q(disk_serial__contains=needle)
            ),
            False,
        )

    # Permissions ------------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        return False  # a unit is scrapped, never deleted: its history and wipe evidence stay

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == S.HANDED_OVER:
            return False  # handed over: the record is final (the certificate lists it)
        return super().has_change_permission(request, obj)

    def has_record_wipe_permission(self, request):
        return request.user.has_perm("inventory.record_wipe")

    def has_record_functional_test_permission(self, request):
        return request.user.has_perm("inventory.record_functional_test")

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

    @admin.display(description=gettext_lazy("test"))
    def test_display(self, computer):
        if computer.functional_test_id:
            return format_html('<span class="inv-ok" title="{}">✔</span>', _("test fonctionnel réussi"))
        if computer.functional_test_failed:
            return format_html(
                '<span class="inv-ko" title="{}">✘ {}</span>', _("test fonctionnel en échec"), _("échec")
            )
        return format_html('<span class="inv-muted">{}</span>', _("à faire"))

    @admin.display(description=gettext_lazy("test fonctionnel"))
    def test_detail(self, computer):
        test = computer.functional_test
        if test is None:
            if computer.functional_test_failed:
                return _(
                    "Le dernier test fonctionnel a échoué : réparez, puis testez de nouveau avant de le marquer prêt."
                )
            return _("Aucun test fonctionnel enregistré.")
        if test.legacy:
            return _("Prêt avant le suivi des tests fonctionnels (aucun test enregistré).")
        return _("Réussi le %(date)s (%(checklist)s, %(who)s)") % {
            "date": timezone.localtime(test.performed_at).strftime("%d/%m/%Y %H:%M"),
            "checklist": test.checklist or "—",
            "who": test.actor_label or "—",
        }

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
        return super().get_queryset(request).select_related("lot", "wipe_record", "functional_test")

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("lot__donor", "wipe_record")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_wipe_reports": self.has_record_wipe_permission(request)}
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
            scrapped = selectors.scrapped_by_cause(cl.queryset)
            for item in scrapped:
                item["url"] = cl.get_query_string(
                    {"status__exact": Computer.Status.SCRAPPED, "scrap_cause__exact": item["cause"]}, ["p"]
                )
            summary["scrapped"] = scrapped
            context["stock_summary"] = summary
        return response

    def unit_actions(self, request, computer) -> list[tuple[str, str]]:
        """The status moves this user may make on this unit now: (list action, button label)."""
        actions = []
        user = request.user
        if user.has_perm("inventory.change_computer"):
            if computer.status in services.MOVES["start_reconditioning"][0]:
                actions.append(("start_reconditioning", _("Démarrer le reconditionnement")))
            if computer.status in services.MOVES["mark_ready"][0]:
                actions.append(("mark_ready", _("Marquer prêt")))
        if user.has_perm("inventory.record_wipe") and computer.status in services.WIPE_STATUSES:
            actions.append(("record_wipe", _("Enregistrer un effacement")))
        if user.has_perm("inventory.record_functional_test") and computer.status in services.TEST_STATUSES:
            actions.append(("record_functional_test", _("Enregistrer le test fonctionnel")))
        if user.has_perm("inventory.change_computer") and computer.status in services.MOVES["scrap"][0]:
            actions.append(("scrap", _("Mettre au rebut")))
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        computer = self.get_object(request, object_id)
        if computer is not None:
            extra_context["unit_actions"] = self.unit_actions(request, computer)
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
