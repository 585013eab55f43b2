"""Donors, campaigns, pledges and the campaign history in the admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, ngettext

from core.admin_helpers import ParentVisibleInline, annotation_column
from core.admin_inlines import PreloadedAutocompleteInlineMixin
from core.errors import DomainError
from donations import selectors, services
from donations.admin.waves import WaveInline
from donations.models import Campaign, CampaignDonor, CampaignEvent, Donor


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ("name", "siret", "contact_email", "pledged", "campaign_count")
    search_fields = ("name", "siret", "contact_email")
    ordering = ("name",)  # the autocomplete paginates: an unordered list could skip or repeat donors

    def get_queryset(self, request):
        return selectors.donors_with_totals(super().get_queryset(request))

    pledged = annotation_column("pledged_total", gettext_lazy("ordinateurs promis"))
    campaign_count = annotation_column("campaigns_n", gettext_lazy("campagnes"))


class PledgeInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = CampaignDonor
    extra = 0
    autocomplete_fields = ["donor"]
    verbose_name_plural = gettext_lazy("donateurs et ordinateurs promis")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor")  # str(pledge) and the autocomplete's label


class CampaignEventInline(ParentVisibleInline):
    model = CampaignEvent
    parent_permission = "donations.view_campaign"
    fields = ("created_at", "actor_label", "from_status", "to_status", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique du statut")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "city",
        "status",
        "pledged_units",
        "granted",
        "allocated",
        "handed_over",
        "wave_count",
    )
    list_filter = ("status", "city")
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PledgeInline, WaveInline, CampaignEventInline]
    actions = ["open_campaigns", "close_campaigns"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "city", "status", "description", "eligibility")}),
        (
            gettext_lazy("Ordinateurs"),
            {"fields": ("pledged_units", "min_per_association", "max_per_association")},
        ),
        (gettext_lazy("Candidatures"), {"fields": ("applications_open_on", "applications_close_on")}),
        (gettext_lazy("Avancement"), {"fields": ("progress",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through the actions (a service with its transitions table).
        return ("status", "progress")

    def get_queryset(self, request):
        return selectors.campaigns_with_totals(super().get_queryset(request))

    granted = annotation_column("granted_total", gettext_lazy("accordés"))
    allocated = annotation_column("allocated_total", gettext_lazy("attribués"))
    handed_over = annotation_column("handed_over_total", gettext_lazy("remis"))
    wave_count = annotation_column("wave_n", gettext_lazy("vagues"))

    @admin.display(description=gettext_lazy("avancement"))
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        progress = selectors.campaign_progress(obj)
        # The template escapes what it shows; the strip keeps the field's HTML as it was built before.
        return mark_safe(render_to_string("admin/donations/campaign/_progress.html", {"progress": progress}).strip())  # noqa: S308

    def _set_status(self, request, queryset, to: str):
        done = 0
        for campaign in queryset:
            try:
                services.campaign_set_status(campaign=campaign, to=to, by=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{campaign} : {exc}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%(n)s campagne mise à jour.", "%(n)s campagnes mises à jour.", done) % {"n": done},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Ouvrir les campagnes sélectionnées"), permissions=["change"])
    def open_campaigns(self, request, queryset):
        self._set_status(request, queryset, Campaign.Status.OPEN)

    @admin.action(description=gettext_lazy("Clore les campagnes sélectionnées"), permissions=["change"])
    def close_campaigns(self, request, queryset):
        self._set_status(request, queryset, Campaign.Status.CLOSED)
