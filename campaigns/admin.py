"""Donors, campaigns, pledges and the campaign history in the admin.

The campaign page here knows nothing of waves: the donations app, above this one, extends it with the waves,
the totals and the progress table (donations/admin/campaigns.py).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from campaigns import selectors, services
from campaigns.models import Campaign, CampaignDonor, CampaignEvent, Donor
from core.admin_helpers import ParentVisibleInline, annotation_column
from core.admin_inlines import PreloadedAutocompleteInlineMixin
from core.errors import DomainError


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
    parent_permission = "campaigns.view_campaign"
    fields = ("created_at", "actor_label", "from_status", "to_status", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique du statut")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "status", "pledged_units")
    list_filter = ("status", "city")
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PledgeInline, CampaignEventInline]
    actions = ["open_campaigns", "close_campaigns"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "city", "status", "description", "eligibility")}),
        (
            gettext_lazy("Ordinateurs"),
            {"fields": ("pledged_units", "min_per_association", "max_per_association")},
        ),
        (gettext_lazy("Candidatures"), {"fields": ("applications_open_on", "applications_close_on")}),
        (gettext_lazy("Contact"), {"fields": ("contact_email",)}),
        (gettext_lazy("Après la remise"), {"fields": ("warranty_months",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through the actions (a service with its transitions table).
        return ("status",)

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
