"""The outbox of emails in the admin: read-only, for superusers, to see what waits, what failed and why."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ChoicesFilter, ReadOnlyPermissionsMixin
from core.models import OutboxEmail


class SentFilter(ChoicesFilter):
    title = _("état")
    parameter_name = "etat"
    options = {
        "waiting": (_("à envoyer"), Q(sent_at__isnull=True)),
        "failing": (_("en échec (nouvelle tentative prévue)"), Q(sent_at__isnull=True, attempts__gt=0)),
        "sent": (_("envoyés"), Q(sent_at__isnull=False)),
    }


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyPermissionsMixin, admin.ModelAdmin):
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

    def get_queryset(self, request):
        return super().get_queryset(request).defer("attachment", "context")

    @admin.display(description=_("destinataires"))
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.display(description=_("envoyé"), boolean=True, ordering="sent_at")
    def sent(self, obj):
        return obj.sent_at is not None

    @admin.display(description=_("dernière erreur"))
    def error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error
