from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from api import services
from api.models import ApiToken, ApiTokenEvent
from campaigns.scoping import GLOBAL, OrganiserScopedAdmin
from core.errors import DomainError


class ApiTokenCreateForm(forms.ModelForm):
    """Name and scope only: the rest is set by ``api.services.api_token_create``."""

    class Meta:
        model = ApiToken
        fields = ["name", "donor", "partner"]

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("donor") is None) == (cleaned.get("partner") is None):
            raise forms.ValidationError(
                _("Choisissez soit un donateur, soit un partenaire de reconditionnement (un seul).")
            )
        return cleaned


class ApiTokenEventInline(admin.TabularInline):
    model = ApiTokenEvent
    fields = ("created_at", "kind", "change_label", "actor_label", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("historique")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    # A token belongs to a donor or to a refurbisher (stock partner), and both are nobody's: a donor gives and a
    # refurbisher works for several organisers. What a token reads or writes through the API is for the API's
    # own rules; listing the tokens is the same for every organiser's team (their permissions still apply).
    organiser_path = GLOBAL
    list_display = ("name", "prefix", "kind", "scope_display", "status", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind", "status")
    search_fields = ("name", "prefix", "donor__name", "partner__name")
    readonly_fields = (
        "name",
        "kind",
        "donor",
        "partner",
        "prefix",
        "status",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    inlines = [ApiTokenEventInline]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor", "partner", "created_by", "revoked_by")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ("name", "donor", "partner")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description=gettext_lazy("pour"))
    def scope_display(self, token):
        return token.scope

    def has_change_permission(self, request, obj=None):
        return False  # nothing is edited after creation: revoke it and issue another

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the history of the units it wrote points to it

    def has_revoke_permission(self, request):
        return request.user.has_perm("api.revoke_apitoken")

    def save_model(self, request, obj, form, change):
        try:
            token, secret = services.api_token_create(
                by=request.user,
                name=form.cleaned_data["name"],
                donor=form.cleaned_data.get("donor"),
                partner=form.cleaned_data.get("partner"),
            )
        except DomainError as error:  # checked by the form already; a concurrent change at worst
            raise forms.ValidationError(str(error))
        obj.pk = token.pk
        obj.prefix = token.prefix
        obj._secret = secret  # shown once by response_add, stored nowhere

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(obj, "_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "secret": secret,
            "title": _("Jeton créé : copiez-le maintenant"),
        }
        response = TemplateResponse(request, "admin/api/apitoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Révoquer les jetons sélectionnés"), permissions=["revoke"])
    def revoke(self, request, queryset):
        done, refused = 0, []
        for token in queryset.order_by("pk"):
            try:
                services.api_token_revoke(token=token, by=request.user)
                done += 1
            except DomainError as error:
                refused.append(f"{token.name} : {error}")
        if done:
            self.message_user(
                request,
                ngettext("%(n)s jeton révoqué.", "%(n)s jetons révoqués.", done) % {"n": done},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)
