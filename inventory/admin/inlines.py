"""A unit's wipe records and history, shown under it, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from core.admin_helpers import ReadOnlyInlineMixin
from inventory.models import ComputerEvent, WipeRecord


class WipeRecordInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = WipeRecord
    fk_name = "computer"
    max_num = 0
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


class ComputerEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ComputerEvent
    max_num = 0
    fields = ("created_at", "kind", "change_label", "actor_label", "note")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    verbose_name_plural = gettext_lazy("historique")
