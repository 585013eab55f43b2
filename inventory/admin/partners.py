"""Refurbishers (stock partners): the workshops that recondition lots; their API tokens are in the ``api`` app."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy

from campaigns.scoping import GLOBAL, OrganiserScopedAdmin
from inventory import services
from inventory.models import StockPartner


@admin.register(StockPartner)
class StockPartnerAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    # A refurbisher may recondition lots for several organisers: it is nobody's, like the donors (its lots are
    # scoped, each by its own organiser).
    organiser_path = GLOBAL
    list_display = ("name", "siret", "contact_email", "lot_count")
    search_fields = ("name", "siret")
    fields = ("name", "siret", "contact_email", "organisers")
    filter_horizontal = ("organisers",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lot_count=Count("lots"))

    @admin.display(description=gettext_lazy("lots"), ordering="lot_count")
    def lot_count(self, partner):
        return partner.lot_count

    def has_delete_permission(self, request, obj=None):
        return False  # its lots and tokens keep it: protected by the database

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.PARTNER_FIELDS if name in form.cleaned_data}
        saved = services.stock_partner_save(by=request.user, partner=obj if change else None, **data)
        obj.pk = saved.pk
        obj.created_at = saved.created_at

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): the choices are only the user's organisers, and the others must be kept.
        if "organisers" in form.cleaned_data:
            services.stock_partner_set_organisers(
                by=request.user,
                partner=form.instance,
                organisers=form.cleaned_data["organisers"],
                within=form.fields["organisers"].queryset,
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
