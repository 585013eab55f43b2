"""The outbox of emails in the admin: read-only, for superusers, to see what waits, what failed and why."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.models import OutboxEmail


class SentFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("à envoyer")),
            ("failing", _("en échec (nouvelle tentative prévue)")),
            ("sent", _("envoyés")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "failing":
            return queryset.filter(sent_at__isnull=True, attempts__gt=0)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "template", "recipients", "language", "sent", "attempts", "sent_at", "error")
    list_filter = (SentFilter, "template", "language")
    search_fields = ("template", "to")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "created_at",
        "template",
        "language",
        "to",
        "context",
        "attachment_name",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("attachment", "context")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("destinataires"))
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.display(description=_("envoyé"), boolean=True, ordering="sent_at")
    def sent(self, obj):
        return obj.sent_at is not None

    @admin.display(description=_("dernière erreur"))
    def error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error
