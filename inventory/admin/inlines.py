"""A unit's wipe records and history, shown under it, read-only."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

from core.admin_helpers import ReadOnlyInlineMixin
from inventory.models import ComputerEvent, FunctionalTest, WipeRecord


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
        "timing",
        "verification",
        "disk_serial",
        "report_file",
        "exemption",
        "exemption_reason",
        "actor_label",
        "created_at",
    )
    verbose_name_plural = gettext_lazy("effacements des données (le plus récent en premier)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("evidence")

    @admin.display(description=gettext_lazy("début et fin"))
    def timing(self, record):
        if not record.ended_at:
            return "—"
        end = timezone.localtime(record.ended_at).strftime("%d/%m/%Y %H:%M")
        if not record.started_at:
            return end
        return f"{timezone.localtime(record.started_at).strftime('%d/%m/%Y %H:%M')} → {end}"

    @admin.display(description=gettext_lazy("rapport de l'outil"))
    def report_file(self, record):
        if record.evidence_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:inventory_computer_wipe_report_file", args=[record.evidence_id]),
            record.evidence.original_name,
        )


class FunctionalTestInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = FunctionalTest
    fk_name = "computer"
    max_num = 0
    fields = ("performed_at", "passed_display", "results_display", "checklist", "actor_label")
    verbose_name_plural = gettext_lazy("tests fonctionnels (le plus récent en premier)")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("results")

    @admin.display(description=gettext_lazy("résultat"))
    def passed_display(self, test):
        if test.legacy:
            return gettext("antérieur au suivi des tests")
        return gettext("réussi") if test.passed else gettext("en échec")

    @admin.display(description=gettext_lazy("points testés"))
    def results_display(self, test):
        return (
            format_html_join(
                mark_safe("<br>"),
                '<span class="{}">{} {}</span>{}',
                (
                    (
                        "inv-ok" if r.passed else "inv-ko",
                        "✔" if r.passed else "✘",
                        r.label,
                        f" – {r.note}" if r.note else "",
                    )
                    for r in test.results.all()
                ),
            )
            or "—"
        )


class ComputerEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ComputerEvent
    max_num = 0
    fields = ("created_at", "kind", "change_label", "actor_label", "note")
    ordering = ("created_at", "pk")
    verbose_name_plural = gettext_lazy("historique")
