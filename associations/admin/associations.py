"""Associations and the reference list of missions in the admin."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.admin.filters import AssociationMissionFilter, AssociationPostalCodeFilter
from associations.admin.forms import AssociationAdminForm
from associations.admin.inlines import AssociationApplicationInline, MembershipInline
from associations.models import Association, Mission
from campaigns.scoping import GLOBAL, OrganiserScopedAdmin
from core.admin_helpers import ReadOnlyPermissionsMixin


@admin.register(Association)
class AssociationAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = GLOBAL  # not any organiser's
    change_form_template = "admin/associations/association/change_form.html"
    form = AssociationAdminForm
    view_on_site = False  # the association space shows an association to its members only
    list_display = ("legal_name", "acronym", "rna", "siret", "postal_code", "mission_list", "member_count")
    list_filter = (AssociationMissionFilter, AssociationPostalCodeFilter)
    search_fields = (
        "legal_name",
        "acronym",
        "rna",
        "siret",
        "contact_name",
        "contact_email",
        "memberships__user__email",
    )
    search_help_text = gettext_lazy("Nom, sigle, RNA, SIRET, contact ou e-mail d'un membre.")
    ordering = ("legal_name",)
    inlines = (MembershipInline, AssociationApplicationInline)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("legal_name", "acronym", "rna", "siret")}),
        (gettext_lazy("Adresse"), {"fields": ("address", "postal_code", "city")}),
        (
            gettext_lazy("Activités"),
            {"fields": ("missions", "description", "beneficiaries_per_year", "staff_count", "volunteer_count")},
        ),
        (gettext_lazy("Contact"), {"fields": ("contact_name", "contact_role", "contact_email", "contact_phone")}),
        (gettext_lazy("Suivi"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("memberships", distinct=True))
            .prefetch_related("missions")
        )

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm("associations.view_application"):
            columns.append("application_list")
        return columns

    @admin.display(description=gettext_lazy("missions"))
    def mission_list(self, obj: Association) -> str:
        return ", ".join(str(m) for m in obj.missions.all())

    @admin.display(description=gettext_lazy("membres"), ordering="member_total")
    def member_count(self, obj: Association) -> int:
        return obj.member_total

    @admin.display(description=gettext_lazy("candidatures"))
    def application_list(self, obj: Association):
        url = reverse("admin:associations_application_changelist")
        return format_html('<a href="{}?association__id__exact={}&status__exact=all">{}</a>', url, obj.pk, _("voir"))

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: value for name, value in form.cleaned_data.items() if name in form.fields and name != "missions"
        }
        services.association_update(
            association=obj, by=request.user, missions=list(form.cleaned_data["missions"]), **fields
        )

    def save_related(self, request, form, formsets, change):
        if not change:
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Mission)
class MissionAdmin(OrganiserScopedAdmin, ReadOnlyPermissionsMixin, admin.ModelAdmin):
    organiser_path = GLOBAL  # not any organiser's
    list_display = ("label", "code", "position")
    ordering = ("position",)

    @admin.display(description=gettext_lazy("mission"))
    def label(self, obj: Mission) -> str:
        return str(obj)
