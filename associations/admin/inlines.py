"""Rows shown under an application or an association: history, messages, members, applications."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.models import Application, ApplicationEvent, Membership, Message
from campaigns.scoping import OrganiserScopedInline
from core.admin_helpers import ReadOnlyInlineMixin as BaseReadOnlyInlineMixin
from core.admin_inlines import PreloadedAutocompleteInlineMixin


class ReadOnlyInlineMixin(BaseReadOnlyInlineMixin):
    """Read-only rows, and no "add another" row either (``max_num = 0`` in the formset's management form)."""

    max_num = 0


class ApplicationEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ApplicationEvent
    verbose_name = gettext_lazy("événement")
    verbose_name_plural = gettext_lazy("historique (qui, quand, quoi)")
    fields = ("created_at", "actor_label", "kind", "change_label", "note")
    ordering = ("created_at", "pk")


class MessageInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Message
    verbose_name = gettext_lazy("message")
    verbose_name_plural = gettext_lazy("échanges avec l'association")
    fields = ("created_at", "sender", "body", "attachment_link")
    ordering = ("created_at", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description=gettext_lazy("de"))
    def sender(self, obj: Message) -> str:
        who = (obj.author.get_full_name() or obj.author.email) if obj.author else ""
        side = _("équipe de la ville") if obj.from_staff else _("association")
        return f"{who} ({side})" if who else side

    @admin.display(description=gettext_lazy("pièce jointe"))
    def attachment_link(self, obj: Message):
        if not obj.attachment:
            return "–"
        # The same access-checked download as the association's (members, and staff who may read applications).
        url = reverse("associations:message_attachment", args=[obj.application_id, obj.pk])
        return format_html(
            '<a href="{}">{}</a> <span class="help">({})</span>',
            url,
            obj.attachment_name,
            obj.get_attachment_type_display(),
        )


class MembershipInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    """Members of an association: listed for whoever may view the association, managed by user admins."""

    model = Membership
    extra = 0
    readonly_fields = ("account", "member_since")
    autocomplete_fields = ("user",)
    verbose_name = gettext_lazy("membre")
    verbose_name_plural = gettext_lazy("membres (comptes qui agissent pour l'association)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "association")  # str(membership) names both

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj) or self.has_add_permission(request, obj):
            return ("user", "member_since")
        return ("account", "member_since")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("associations.view_association")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["label"] = _("Compte")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("compte"))
    def account(self, obj: Membership) -> str:
        return str(obj.user)

    @admin.display(description=gettext_lazy("membre depuis le"))
    def member_since(self, obj: Membership) -> str:
        return date_format(timezone.localdate(obj.created_at)) if obj.created_at else "–"


class AssociationApplicationInline(OrganiserScopedInline, ReadOnlyInlineMixin, admin.TabularInline):
    """The association is national: each organiser's team sees only the applications to its own campaigns."""

    model = Application
    organiser_path = "campaign__organiser"
    fields = ("open_link", "status", "requested_quantity", "granted_quantity", "submitted_at", "decided_at")
    view_on_site = False
    verbose_name = gettext_lazy("candidature")
    verbose_name_plural = gettext_lazy("candidatures")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "association")  # str(application)

    @admin.display(description=gettext_lazy("campagne"))
    def open_link(self, obj: Application):
        url = reverse("admin:associations_application_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.campaign.name)
