"""Allocations in the admin: the list, the appointment of a confirmed allocation, cancelling one."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import OrganiserScopedAdmin, ScopedRelatedFieldListFilter
from core.admin_helpers import (
    JournalInline,
    ParentVisibleInline,
    RefusalOnSamePageMixin,
    admin_link,
    admin_pages,
    annotation_column,
)
from core.errors import DomainError
from core.forms import service_applied
from donations import selectors, services
from donations.admin.forms import AllocationAdminForm, CancelForm
from donations.admin.waves import appointment_slot
from donations.models import Allocation, AllocationEvent, AllocationUnit, Wave

A = Allocation.Status


class AllocationUnitInline(ParentVisibleInline):
    model = AllocationUnit
    fields = ("asset_tag", "computer_label", "lot", "assigned_at", "released_at")
    verbose_name_plural = gettext_lazy("ordinateurs attribués")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("computer__lot").order_by("computer__asset_tag")

    @admin.display(description=gettext_lazy("numéro d'inventaire"))
    def asset_tag(self, obj):
        return admin_link("admin:inventory_computer_change", obj.computer_id, obj.computer.asset_tag)

    @admin.display(description=gettext_lazy("ordinateur"))
    def computer_label(self, obj):
        c = obj.computer
        return f"{c.manufacturer} {c.model} – {c.serial_number} ({c.get_status_display()})"

    @admin.display(description=gettext_lazy("lot"))
    def lot(self, obj):
        return obj.computer.lot.reference


class AllocationEventInline(JournalInline):
    model = AllocationEvent


SUMMARY_FIELDS = ("wave", "application_link", "quantity", "planned_quantity", "reason", "status", "cancel_link")
DATE_FIELDS = ("confirmed_at", "handed_over_at", "cancelled_at")


@admin.register(Allocation)
class AllocationAdmin(RefusalOnSamePageMixin, OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "wave__campaign__organiser"
    form = AllocationAdminForm
    list_display = ("association", "wave", "quantity", "status", "appointment", "appointment_status", "units_count")
    list_filter = (
        "status",
        "appointment_status",
        ("wave__campaign", ScopedRelatedFieldListFilter),
        ("wave", ScopedRelatedFieldListFilter),
    )
    list_select_related = ("wave__campaign", "application__association")
    search_fields = ("application__association__legal_name", "application__association__rna")
    inlines = [AllocationUnitInline, AllocationEventInline]
    actions = ["confirm_allocations"]
    readonly_fields = (
        *SUMMARY_FIELDS,
        "appointment_status",
        "appointment_request",
        *DATE_FIELDS,
    )
    fieldsets = (
        (
            None,
            {"fields": SUMMARY_FIELDS},
        ),
        (
            gettext_lazy("Rendez-vous de remise"),
            {
                "fields": (
                    "appointment_status",
                    "appointment_request",
                    "appointment_date",
                    "appointment_start",
                    "appointment_end",
                    "appointment_place",
                )
            },
        ),
        (gettext_lazy("Dates"), {"fields": DATE_FIELDS}),
    )

    def get_queryset(self, request):
        return selectors.allocations_with_unit_counts(
            super().get_queryset(request).select_related("wave__campaign", "application__association")
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.status != A.CONFIRMED:
            return (*self.readonly_fields, *AllocationAdminForm.Meta.fields)
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # allocations come from planning a wave

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != A.CONFIRMED:
            return False  # only the appointment of a confirmed allocation is edited here
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the history stays

    def save_model(self, request, obj, form, change):
        if not form.changed_data:
            return
        data = form.cleaned_data
        services.allocation_set_appointment(
            allocation=obj,
            by=request.user,
            date=data.get("appointment_date"),
            start=data.get("appointment_start"),
            end=data.get("appointment_end"),
            place=data.get("appointment_place", ""),
        )

    @admin.display(description=gettext_lazy("association"), ordering="application__association__legal_name")
    def association(self, obj):
        return obj.application.association.legal_name

    @admin.display(description=gettext_lazy("candidature"))
    def application_link(self, obj):
        return admin_link("admin:associations_application_change", obj.application_id, obj.application)

    @admin.display(description=gettext_lazy("créneau"), ordering="appointment_date")
    def appointment(self, obj):
        return appointment_slot(obj) or "–"

    units_count = annotation_column("live_units", gettext_lazy("ordinateurs"))

    @admin.display(description=gettext_lazy("annulation"))
    def cancel_link(self, obj):
        if obj is None or obj.status not in (A.PROPOSED, A.CONFIRMED) or obj.wave.status == Wave.Status.PLANNING:
            return "–"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:donations_allocation_cancel", args=[obj.pk]),
            _("Annuler cette attribution…"),
        )

    @admin.action(description=gettext_lazy("Confirmer (réserver les ordinateurs)"), permissions=["plan"])
    def confirm_allocations(self, request, queryset):
        for allocation in queryset.order_by("position", "pk"):
            try:
                services.allocation_confirm(allocation=allocation, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{allocation.application.association} : {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(association)s : %(n)s ordinateurs réservés.")
                    % {"association": allocation.application.association, "n": allocation.quantity},
                    messages.SUCCESS,
                )

    def has_plan_permission(self, request, obj=None):
        return request.user.has_perm("donations.plan_wave")

    def get_urls(self):
        pages = [("<path:object_id>/cancel/", self.cancel_view, "donations_allocation_cancel")]
        return admin_pages(self, pages) + super().get_urls()

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        allocation = self.scoped_object_or_404(
            request, Allocation.objects.select_related("wave__campaign", "application__association"), object_id
        )
        if not request.user.has_perm("donations.change_allocation"):
            raise PermissionDenied
        form = CancelForm(request.POST or None)
        if (
            request.method == "POST"
            and form.is_valid()
            and service_applied(
                form,
                services.allocation_cancel,
                errors_on="reason",
                allocation=allocation,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        ):
            self.message_user(request, _("Attribution annulée : ses ordinateurs sont de nouveau prêts."))
            return redirect(reverse("admin:donations_allocation_change", args=[allocation.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": allocation,
            "title": _("Annuler l'attribution de %(association)s")
            % {"association": allocation.application.association},
            "allocation": allocation,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/donations/allocation/cancel.html", context, status=400 if form.errors else 200
        )
