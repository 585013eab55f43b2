"""Waves in the admin: the list with its totals, the wave's page with its allocations and history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import OrganiserScopedAdmin, ScopedRelatedFieldListFilter
from core.admin_helpers import JournalInline, ParentVisibleInline, annotation_column, saved_object_field
from core.errors import DomainError
from donations import services
from donations.admin.forms import WAVE_HANDOVER_FIELDS, WaveAdminForm
from donations.admin.plan import WavePlanMixin
from donations.models import Allocation, Wave, WaveEvent


def appointment_slot(allocation: Allocation) -> str:
    """The day and hours of an allocation's handover appointment (``""`` when none is set)."""
    if allocation.appointment_date is None:
        return ""
    day, start, end = allocation.appointment_date, allocation.appointment_start, allocation.appointment_end
    return f"{day:%d/%m/%Y} {start:%H:%M}–{end:%H:%M}"


def plan_label(wave: Wave) -> str:
    """A wave being planned is planned; once confirmed, its page shows what was allocated."""
    return _("Planifier cette vague") if wave.is_editable else _("Voir l'attribution")


class WaveInline(ParentVisibleInline):
    model = Wave
    parent_permission = "donations.view_wave"
    show_change_link = True
    fields = ("label", "status", "capacity", "totals", "handover_starts_on", "place", "plan_link")
    verbose_name_plural = gettext_lazy("vagues de distribution")

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals().order_by("number")

    @admin.display(description=gettext_lazy("vague"))
    def label(self, obj):
        return str(obj)

    @admin.display(description=gettext_lazy("proposé / attribué / remis"))
    def totals(self, obj):
        return f"{obj.proposed_total} / {obj.allocated_total} / {obj.handed_over_total}"

    @admin.display(description="")
    def plan_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:donations_wave_plan", args=[obj.pk]), plan_label(obj))


class AllocationInline(ParentVisibleInline):
    model = Allocation
    parent_permission = "donations.view_allocation"
    show_change_link = True
    fields = ("position", "association", "quantity", "status", "appointment", "reason")
    verbose_name_plural = gettext_lazy("attributions")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("wave", "application__association").order_by("position", "pk")
        )

    @admin.display(description=gettext_lazy("association"))
    def association(self, obj):
        return obj.application.association.legal_name

    @admin.display(description=gettext_lazy("rendez-vous"))
    def appointment(self, obj):
        slot = appointment_slot(obj)
        status = obj.get_appointment_status_display()
        return f"{slot} ({status})" if slot else status


class WaveEventInline(JournalInline):
    model = WaveEvent


@admin.register(Wave)
class WaveAdmin(OrganiserScopedAdmin, WavePlanMixin, admin.ModelAdmin):
    organiser_path = "campaign__organiser"
    form = WaveAdminForm
    list_display = (
        "label",
        "status",
        "capacity",
        "proposed",
        "allocated",
        "handed_over",
        "handover_starts_on",
        "plan_link",
    )
    list_filter = ("status", "is_final_lot", ("campaign", ScopedRelatedFieldListFilter))
    list_select_related = ("campaign",)
    search_fields = ("name", "campaign__name")
    readonly_fields = ("status", "planned_at", "confirmed_at", "closed_at", "plan_link", "schedule_link")
    inlines = [AllocationInline, WaveEventInline]
    actions = ["generate_slots", "close_waves"]
    fieldsets = (
        (None, {"fields": ("campaign", "number", "name", "is_final_lot", "capacity", "status", "plan_link")}),
        (
            gettext_lazy("Remise"),
            {
                "fields": (*WAVE_HANDOVER_FIELDS, "schedule_link"),
                "description": gettext_lazy(
                    "Les créneaux sont créés à la confirmation, du lundi au vendredi entre le premier et le dernier "
                    "jour de remise, dans les heures d'ouverture ; chacun reçoit au plus le nombre d'associations "
                    "indiqué. Les associations choisissent ensuite elles-mêmes parmi les créneaux libres."
                ),
            },
        ),
        (gettext_lazy("Dates"), {"fields": ("planned_at", "confirmed_at", "closed_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return (*WaveAdminForm.Meta.fields, *self.readonly_fields)
        if obj is not None:
            return ("campaign", *self.readonly_fields)
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        campaign_id = initial.get("campaign")
        if campaign_id and "number" not in initial:
            last = Wave.objects.filter(campaign_id=campaign_id).order_by("-number").values_list("number", flat=True)
            initial["number"] = (last.first() or 0) + 1
        return initial

    def save_model(self, request, obj, form, change):
        services.wave_save(wave=obj, by=request.user, changed=form.changed_data)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False  # a confirmed wave is frozen: its page is read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (not obj.is_editable or obj.allocations.exists()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("vague"), ordering="number")
    def label(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj, obj.campaign)

    proposed = annotation_column("proposed_total", gettext_lazy("proposé"))
    allocated = annotation_column("allocated_total", gettext_lazy("attribué"))
    handed_over = annotation_column("handed_over_total", gettext_lazy("remis"))

    @saved_object_field(gettext_lazy("planification"))
    def plan_link(self, obj):
        return format_html(
            '<a class="button" href="{}">{}</a>', reverse("admin:donations_wave_plan", args=[obj.pk]), plan_label(obj)
        )

    @saved_object_field(gettext_lazy("planning des remises"))
    def schedule_link(self, obj):
        url = reverse("admin:donations_handoverslot_changelist") + f"?wave__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Voir les créneaux et leurs associations"))

    @admin.action(
        description=gettext_lazy("Créer les créneaux de remise des vagues sélectionnées"), permissions=["plan"]
    )
    def generate_slots(self, request, queryset):
        """Before confirming, to adjust the schedule by hand (a day off, a longer afternoon) in the slots' admin."""
        for wave in queryset:
            try:
                created = services.wave_slots_generate(wave=wave, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{wave} : {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(wave)s : %(n)s créneaux créés.") % {"wave": wave, "n": created},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("Clore les vagues sélectionnées"), permissions=["plan"])
    def close_waves(self, request, queryset):
        for wave in queryset:
            try:
                services.wave_close(wave=wave, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{wave} : {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(wave)s : close.") % {"wave": wave}, messages.SUCCESS)
