"""People in the admin: the email is the login, staff roles are groups (accounts.roles)."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.models import AccountEvent, User
from accounts.privacy import is_anonymised, user_anonymise, user_export


def _clean_email(form: forms.ModelForm) -> str:
    email = User.objects.normalize_email(form.cleaned_data.get("email", "")).lower()
    taken = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        taken = taken.exclude(pk=form.instance.pk)
    if taken.exists():
        raise forms.ValidationError(_("Un compte avec cette adresse e-mail existe déjà."))
    return email


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        return _clean_email(self)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "groups" in self.fields:
            self.fields["groups"].label = _("Rôles")
            self.fields["groups"].help_text = _(
                "Un rôle donne exactement les droits de son équipe dans l'administration. "
                "Les membres d'associations n'ont aucun rôle."
            )

    def clean_email(self):
        return _clean_email(self)

    def clean(self):
        data = super().clean()
        groups = data.get("groups")
        has_role = bool(groups) and groups.filter(name__in=roles.ROLE_PERMISSIONS).exists()
        if "is_staff" in self.fields and not data.get("is_superuser"):
            if has_role and not data.get("is_staff"):
                self.add_error(
                    "is_staff", _("Un compte qui a un rôle doit avoir le statut équipe pour ouvrir l'admin.")
                )
            elif data.get("is_staff") and not has_role:
                self.add_error(
                    "is_staff",
                    _("Le statut équipe est réservé aux rôles : choisissez un rôle, ou décochez le statut équipe."),
                )
        return data


class RoleFilter(admin.RelatedFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("rôle")


class DeletionRequestedFilter(admin.SimpleListFilter):
    """People who asked for their account to be deleted (page « Mon compte ») and are not anonymised yet."""

    title = gettext_lazy("suppression demandée")
    parameter_name = "deletion"

    def lookups(self, request, model_admin):
        return [("requested", gettext_lazy("Suppression demandée, à traiter"))]

    def queryset(self, request, queryset):
        if self.value() == "requested":
            requested = AccountEvent.objects.filter(kind=AccountEvent.Kind.DELETION_REQUESTED).values("user_id")
            anonymised = AccountEvent.objects.filter(kind=AccountEvent.Kind.ANONYMISED).values("user_id")
            return queryset.filter(pk__in=requested).exclude(pk__in=anonymised)
        return queryset


# Inlines the apps above add to the user's page (the associations' memberships), registered in their
# AppConfig.ready() so that accounts never imports them.
USER_INLINES: list[type[admin.options.InlineModelAdmin]] = []


def register_user_inline(inline: type[admin.options.InlineModelAdmin]) -> None:
    if inline not in USER_INLINES:
        USER_INLINES.append(inline)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "role_list", "association_list", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", ("groups", RoleFilter), "language", DeletionRequestedFilter)
    search_fields = ("email", "first_name", "last_name", "memberships__association__legal_name")
    search_help_text = gettext_lazy("E-mail, prénom, nom ou association.")
    readonly_fields = ("last_login", "date_joined", "account_history")
    filter_horizontal = ("user_permissions",)  # the four roles read better as checkboxes
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (gettext_lazy("Identité"), {"fields": ("first_name", "last_name", "language")}),
        (
            gettext_lazy("Rôles et accès"),
            {"fields": ("is_active", "is_staff", "groups", "is_superuser", "user_permissions")},
        ),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
        (gettext_lazy("Données personnelles"), {"fields": ("account_history",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *USER_INLINES]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups", "memberships__association")

    actions = ("export_personal_data", "anonymise_selected")

    @admin.display(description=gettext_lazy("exports et anonymisation"))
    def account_history(self, obj: User) -> str:
        events = list(obj.account_events.all()) if obj.pk else []
        if not events:
            return "–"
        return format_html_join(
            "",
            "<div>{} — {}{}</div>",
            (
                (
                    date_format(timezone.localtime(e.created_at), "SHORT_DATETIME_FORMAT"),
                    e.get_kind_display(),
                    f" ({e.actor_label})" if e.actor_label else "",
                )
                for e in events
            ),
        )

    def has_anonymise_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(description=gettext_lazy("Exporter leurs données personnelles (JSON)"), permissions=["view"])
    def export_personal_data(self, request, queryset):
        """A request for access: everything we hold about these people, as one JSON file."""
        data = [user_export(user=user, by=request.user) for user in queryset]
        response = HttpResponse(
            json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{stamp}.json"'
        return response

    @admin.action(description=gettext_lazy("Anonymiser (demande de suppression)"), permissions=["anonymise"])
    def anonymise_selected(self, request, queryset):
        """A request for erasure: a confirmation page, then the accounts are emptied and closed."""
        users = [u for u in queryset.order_by("email") if not is_anonymised(u)]
        own = [u for u in users if u.pk == request.user.pk]
        if own:
            self.message_user(request, _("Vous ne pouvez pas anonymiser votre propre compte."), messages.ERROR)
            return None
        if request.POST.get("apply") == "yes":
            for user in users:
                user_anonymise(user=user, by=request.user, note=_("à la demande de la personne"))
            self.message_user(
                request,
                _("%(count)d compte(s) anonymisé(s). L'historique et les attestations sont conservés.")
                % {"count": len(users)},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Anonymiser des comptes"),
            "users": users,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/user/anonymise.html", context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("rôles"))
    def role_list(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all()) or "–"

    @admin.display(description=gettext_lazy("associations"))
    def association_list(self, obj: User) -> str:
        return ", ".join(m.association.legal_name for m in obj.memberships.all()) or "–"


# allauth registers the authenticators (second factor) in the admin; nobody edits them there: each person
# manages their own from their account pages (recovery codes when the phone is lost).
from allauth.mfa.models import Authenticator  # noqa: E402

if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)
