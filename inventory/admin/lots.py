"""Lots in the admin: the list with counts per status, the lot's page with its units, label sheets."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

from campaigns.scoping import OrganiserScopedAdmin, organisers_for
from inventory import selectors, services
from inventory.admin.display import SHORT_STATUS_LABELS, STATUS_COLOURS, S, status_badge
from inventory.admin.labels import LotLabelsMixin
from inventory.forms import LotForm
from inventory.hooks import lot_page_panels
from inventory.models import Collection, Lot


@admin.register(Lot)
class LotAdmin(OrganiserScopedAdmin, LotLabelsMixin, admin.ModelAdmin):
    organiser_path = "organiser"
    form = LotForm
    view_on_site = False
    list_display = (
        "reference",
        "organiser",
        "donor",
        "arrival_date",
        "received_display",
        "difference_display",
        "collection_display",
        "status_breakdown",
        "site_display",
    )
    list_filter = (("organiser", admin.RelatedOnlyFieldListFilter), "donor", "partner", "arrival_date")
    search_fields = ("reference", "site", "donor__name")
    date_hierarchy = "arrival_date"
    autocomplete_fields = ()
    change_form_template = "admin/inventory/lot/change_form.html"
    change_list_template = "admin/inventory/lot/change_list.html"
    actions = ["print_labels"]
    fields = ("organiser", "donor", "reference", "arrival_date", "site", "expected_count", "partner", "notes")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "partner" and formfield is not None:
            # A new lot: the refurbishers of the organisers one works for (the form narrows it to the lot's
            # organiser once it has one, and the model checks the pair).
            formfield.queryset = formfield.queryset.filter(organisers__in=organisers_for(request.user)).distinct()
        return formfield

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("donor", "organiser", "partner")
            .with_counts()
            .annotate(collection_status=selectors.latest_collection_status())
        )

    def get_readonly_fields(self, request, obj=None):
        # A lot stays with the organiser that received it: its units are that stock team's.
        return (*super().get_readonly_fields(request, obj), "organiser") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # A lot that holds units is protected by the database; an empty one may go (superuser only).
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("reçus / annoncés"), ordering="received_count")
    def received_display(self, lot):
        if lot.expected_count:
            return format_html('{} <span class="inv-muted">/ {}</span>', lot.received_count, lot.expected_count)
        return lot.received_count

    @admin.display(description=gettext_lazy("écart"))
    def difference_display(self, lot):
        return selectors.difference_words(lot.expected_count, lot.received_count) or "—"

    @admin.display(description=gettext_lazy("collecte"), ordering="collection_status")
    def collection_display(self, lot):
        if not lot.collection_status:
            return "—"
        return Collection.Status(lot.collection_status).label

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
        names = services.LOT_FIELDS if change else services.LOT_CREATE_FIELDS
        data = {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}
        if change:
            services.lot_update(lot=obj, by=request.user, **data)
        else:
            created = services.lot_create(by=request.user, **data)
            obj.pk = created.pk
            obj.created_at = created.created_at

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        lot = self.get_object(request, object_id)
        if lot is not None:
            units = selectors.lot_units(lot)
            page = Paginator(units, 50).get_page(request.GET.get("unites"))
            collection = selectors.latest_collection(lot)
            received = lot.computers.count()
            extra_context.update(
                {
                    "lot_collection": collection,
                    "lot_received": received,
                    "lot_difference": selectors.difference_words(lot.expected_count, received),
                    "may_decide_collection": collection is not None
                    and request.user.has_perm("inventory.change_collection"),
                    "lot_status_counts": selectors.status_counts(lot.computers.all()),
                    "units_page": page,
                    "units_rows": [(c, status_badge(c.status)) for c in page.object_list],
                    "can_view_computers": request.user.has_perm("inventory.view_computer"),
                    # Panels of the apps above (fault rates, the donor's documents): they subscribe to the hook.
                    "lot_panels": [panel for panel in lot_page_panels.fire(lot=lot, request=request) if panel],
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)
