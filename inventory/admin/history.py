"""The read-only lists of evidence and history: wipe records and unit events."""

from django.contrib import admin

from campaigns.scoping import OrganiserScopedAdmin
from core.admin_helpers import ReadOnlyPermissionsMixin
from inventory.models import ComputerEvent, WipeRecord


@admin.register(WipeRecord)
class WipeRecordAdmin(OrganiserScopedAdmin, ReadOnlyPermissionsMixin, admin.ModelAdmin):
    organiser_path = "computer__lot__organiser"
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
    search_fields = ("computer__serial_number", "computer__asset_tag", "report_reference", "disk_serial")
    list_select_related = ("computer",)
    date_hierarchy = "performed_on"
    show_full_result_count = False


@admin.register(ComputerEvent)
class ComputerEventAdmin(OrganiserScopedAdmin, ReadOnlyPermissionsMixin, admin.ModelAdmin):
    organiser_path = "computer__lot__organiser"
    list_display = ("created_at", "computer", "kind", "from_status", "to_status", "actor_label", "note")
    list_filter = ("kind", "to_status", "created_at")
    search_fields = ("computer__serial_number", "computer__asset_tag", "actor_label")
    list_select_related = ("computer",)
    date_hierarchy = "created_at"
    show_full_result_count = False
