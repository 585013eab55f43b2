"""The handover schedule in the admin: each slot with its places and the associations booked, in time order.

The desk filters it by day (« Aujourd'hui », « Demain », or any day of the schedule) to see the day's
schedule; managers add, move or widen slots (a slot never gets fewer places than its bookings).
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

from campaigns.scoping import OrganiserScopedAdmin, ScopedRelatedFieldListFilter
from core.admin_helpers import RefusalOnSamePageMixin
from donations import services
from donations.models import Allocation, HandoverSlot


class DayFilter(admin.SimpleListFilter):
    title = gettext_lazy("jour")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        choices = [
            (today.isoformat(), gettext_lazy("Aujourd'hui")),
            ((today + datetime.timedelta(days=1)).isoformat(), gettext_lazy("Demain")),
        ]
        upcoming = (
            model_admin.get_queryset(request)
            .filter(date__gt=today + datetime.timedelta(days=1))
            .order_by("date")
            .values_list("date", flat=True)
            .distinct()[:30]
        )
        return choices + [(day.isoformat(), f"{day:%d/%m/%Y}") for day in upcoming]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            day = datetime.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(date=day)


@admin.register(HandoverSlot)
class HandoverSlotAdmin(RefusalOnSamePageMixin, OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "wave__campaign__organiser"
    list_display = ("time", "wave_label", "places", "associations")
    list_display_links = ("time",)
    list_filter = (DayFilter, ("wave__campaign", ScopedRelatedFieldListFilter), ("wave", ScopedRelatedFieldListFilter))
    list_select_related = ("wave__campaign",)
    date_hierarchy = "date"
    ordering = ("date", "start", "pk")
    fields = ("wave", "date", "start", "end", "capacity")
    list_per_page = 100

    def get_queryset(self, request):
        bookings = (
            Allocation.objects.holding_units().select_related("application__association").order_by("position", "pk")
        )
        return (
            super()
            .get_queryset(request)
            .with_booked()
            .prefetch_related(Prefetch("allocations", queryset=bookings, to_attr="bookings"))
        )

    def changelist_view(self, request, extra_context=None):
        from django.utils.translation import gettext as _

        return super().changelist_view(request, {"title": _("Planning des remises"), **(extra_context or {})})

    def get_readonly_fields(self, request, obj=None):
        return ("wave",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        services.slot_save(slot=obj, by=request.user)

    @admin.display(description=gettext_lazy("créneau"), ordering="date")
    def time(self, obj):
        return format_html(
            "{} <strong>{}–{}</strong>",
            obj.date.strftime("%d/%m/%Y"),
            obj.start.strftime("%H:%M"),
            obj.end.strftime("%H:%M"),
        )

    @admin.display(description=gettext_lazy("vague"))
    def wave_label(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj.wave, obj.wave.campaign)

    @admin.display(description=gettext_lazy("places prises"))
    def places(self, obj):
        return f"{obj.booked} / {obj.capacity}"

    @admin.display(description=gettext_lazy("associations"))
    def associations(self, obj):
        if not obj.bookings:
            return "–"
        return format_html(
            "<ul style='margin:0;padding-left:1em'>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} <span class='quiet'>({})</span></li>",
                (
                    (a.application.association.legal_name, a.quantity, a.get_appointment_status_display())
                    for a in obj.bookings
                ),
            ),
        )
