"""Donors, campaigns, pledges and the campaign history in the admin.

The campaign page here knows nothing of waves: the donations app, above this one, extends it with the waves,
the totals and the progress table (donations/admin/campaigns.py).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from campaigns import selectors, services
from campaigns.models import (
    Campaign,
    CampaignDonor,
    CampaignEvent,
    Donor,
    DonorMembership,
    DonorOffer,
    DonorOfferEvent,
    Organiser,
    StaffMembership,
)
from campaigns.scoping import GLOBAL, OrganiserScopedAdmin, ScopedRelatedFieldListFilter
from core.admin_helpers import ParentVisibleInline, annotation_column
from core.admin_inlines import PreloadedAutocompleteInlineMixin
from core.errors import DomainError


class DonorMembershipInline(admin.TabularInline):
    """The people who see the donor space (/donor/): added when an offer is accepted; removed here."""

    model = DonorMembership
    extra = 0
    fields = ("user", "created_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("personnes qui voient l'espace donateur")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "donor")


@admin.register(Donor)
class DonorAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = GLOBAL  # not any organiser's
    inlines = [DonorMembershipInline]
    list_display = ("name", "siret", "contact_email", "public_name_shown", "pledged", "campaign_count")
    list_filter = ("public_name_shown", "is_public_body")
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


class StatusHistoryInline(ParentVisibleInline):
    """A status history under its campaign or offer: who, when, from which status to which."""

    fields = ("created_at", "actor_label", "from_status", "to_status", "note")


class CampaignEventInline(StatusHistoryInline):
    model = CampaignEvent
    verbose_name_plural = gettext_lazy("historique du statut")


@admin.register(Campaign)
class CampaignAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "organiser"
    list_display = ("name", "organiser", "city", "status", "pledged_units")
    list_filter = ("status", ("organiser", admin.RelatedOnlyFieldListFilter), "city")
    list_select_related = ("organiser",)
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PledgeInline, CampaignEventInline]
    actions = ["open_campaigns", "close_campaigns"]
    fieldsets = (
        (None, {"fields": ("organiser", "name", "slug", "city", "status", "description", "eligibility")}),
        (
            gettext_lazy("Ordinateurs"),
            {"fields": ("pledged_units", "min_per_association", "max_per_association")},
        ),
        (gettext_lazy("Candidatures"), {"fields": ("applications_open_on", "applications_close_on")}),
        (gettext_lazy("Contact"), {"fields": ("contact_email",)}),
        (gettext_lazy("Après la remise"), {"fields": ("warranty_months",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organiser")  # the page shows it (read-only)

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through the actions (a service with its transitions table); a campaign stays
        # with the organiser that created it (its applications, waves and certificates are that team's).
        return ("status", "organiser") if obj is not None else ("status",)

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


class DonorOfferEventInline(StatusHistoryInline):
    model = DonorOfferEvent
    verbose_name_plural = gettext_lazy("historique de l'offre")


@admin.register(DonorOffer)
class DonorOfferAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    """Offers from /donate/: read them, then accept or decline them with the actions (services with their
    transitions table: the pledge, the donor and the contact's account come with the acceptance)."""

    organiser_path = "campaign__organiser"
    list_display = ("company_name", "units", "campaign", "available_from", "contact_email", "status", "created_at")
    list_filter = ("status", ("campaign", ScopedRelatedFieldListFilter))
    search_fields = ("company_name", "siret", "contact_email", "contact_name")
    list_select_related = ("campaign",)
    inlines = [DonorOfferEventInline]
    actions = ["accept_offers", "decline_offers"]
    readonly_fields = (
        *DonorOffer.OFFERED_FIELDS,
        "status",
        "donor",
        "created_at",
        "decided_at",
        "decision_note",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # offers come from the public page

    def has_delete_permission(self, request, obj=None):
        return False  # kept with their history

    def _decide(self, request, queryset, decide, done_message):
        done = 0
        for offer in queryset.order_by("pk"):
            try:
                decide(offer=offer, by=request.user)
                done += 1
            except (DomainError, ValidationError) as exc:
                self.message_user(
                    request, f"{offer} : {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Accepter : engagement, donateur et compte pour le contact"), permissions=["change"]
    )
    def accept_offers(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.donor_offer_accept,
            lambda n: (
                ngettext(
                    "%(n)s offre acceptée : le contact a reçu son accès à l'espace donateur.",
                    "%(n)s offres acceptées : les contacts ont reçu leur accès à l'espace donateur.",
                    n,
                )
                % {"n": n}
            ),
        )

    @admin.action(description=gettext_lazy("Décliner (le contact est prévenu par e-mail)"), permissions=["change"])
    def decline_offers(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.donor_offer_decline,
            lambda n: ngettext("%(n)s offre déclinée.", "%(n)s offres déclinées.", n) % {"n": n},
        )


class StaffMembershipInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = StaffMembership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    verbose_name_plural = gettext_lazy("équipe (un rôle par ligne)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organiser")


@admin.register(Organiser)
class OrganiserAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    """The organisers and their teams: created and staffed by superusers, read by their own teams."""

    organiser_path = ""
    list_display = ("name", "kind", "city", "campaign_count", "member_count")
    list_filter = ("kind",)
    search_fields = ("name", "city", "postal_codes")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "kind", "slug", "city", "postal_codes")
    inlines = [StaffMembershipInline]

    def get_queryset(self, request):
        return selectors.organisers_with_counts(super().get_queryset(request))

    campaign_count = annotation_column("campaign_n", gettext_lazy("campagnes"))
    member_count = annotation_column("member_n", gettext_lazy("membres de l'équipe"))

    def save_formset(self, request, form, formset, change):
        if formset.model is not StaffMembership:
            return super().save_formset(request, form, formset, change)
        # Through the services: a member is put in the role's group (and taken out of it when they leave).
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.staff_membership_revoke(membership=membership, by=request.user)
        for membership in memberships:
            if membership.pk is not None:  # another person or role on this line: the old one ends
                services.staff_membership_revoke(membership=StaffMembership.objects.get(pk=membership.pk))
            services.staff_membership_grant(
                user=membership.user, organiser=form.instance, role=membership.role, by=request.user
            )
        return None
