"""Requests to join an association in the admin: the city's team accepts or refuses them when no member
does (an association whose only member left, a member who does not answer). Read-only rows; the decision
is an action of the list, through ``associations.services`` (journal, membership, email to the person)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.models import JoinRequest
from campaigns.scoping import GLOBAL, OrganiserScopedAdmin
from core.errors import DomainError


@admin.register(JoinRequest)
class JoinRequestAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = GLOBAL  # not any organiser's
    list_display = ("user", "association", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__email", "association__legal_name", "association__rna", "association__siret")
    search_help_text = gettext_lazy("E-mail du demandeur, nom, RNA ou SIRET de l'association.")
    list_select_related = ("user", "association")
    ordering = ("-created_at",)
    fields = ("user", "association", "message", "status", "created_at", "decided_at", "history")
    readonly_fields = fields
    actions = ("accept_selected", "refuse_selected")

    def has_add_permission(self, request):
        return False  # a request comes from the person, in their space

    def has_delete_permission(self, request, obj=None):
        return False  # the history of who joined an association stays

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "association")

    @admin.display(description=gettext_lazy("historique"))
    def history(self, obj: JoinRequest) -> str:
        rows = obj.events.order_by("created_at", "pk")
        return format_html_join(
            "\n",
            "<div>{} – {} {}</div>",
            (
                (timezone.localtime(e.created_at).strftime("%d/%m/%Y %H:%M"), e.get_kind_display(), e.actor_label)
                for e in rows
            ),
        )

    def _decide(self, request, queryset, service, done: str) -> None:
        """``service(join_request=…, by=…)`` for each selected request, and one message each."""
        for join_request in queryset.select_related("user", "association").order_by("pk"):
            try:
                service(join_request=join_request, by=request.user)
            except (ValidationError, DomainError) as exc:
                error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{join_request} : {error}", messages.ERROR)
            else:
                self.log_change(request, join_request, done)
                self.message_user(request, f"{join_request} : {done}", messages.SUCCESS)

    @admin.action(description=gettext_lazy("Accepter les demandes sélectionnées"), permissions=["change"])
    def accept_selected(self, request, queryset):
        self._decide(request, queryset, services.join_request_accept, _("demande acceptée, la personne est membre."))

    @admin.action(description=gettext_lazy("Refuser les demandes sélectionnées"), permissions=["change"])
    def refuse_selected(self, request, queryset):
        self._decide(request, queryset, services.join_request_refuse, _("demande refusée."))
