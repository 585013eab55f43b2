"""The campaign page, extended by the donations app: its waves, its totals and the progress of each wave.

The campaigns app registers the campaign page without waves (it sits below donations); this module replaces that
registration with a subclass that adds what donations knows.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from campaigns.admin import CampaignAdmin as BaseCampaignAdmin
from campaigns.admin import CampaignEventInline, PledgeInline
from campaigns.models import Campaign
from core.admin_helpers import annotation_column, saved_object_field
from donations import selectors
from donations.admin.waves import WaveInline

admin.site.unregister(Campaign)


@admin.register(Campaign)
class CampaignAdmin(BaseCampaignAdmin):
    list_display = (*BaseCampaignAdmin.list_display, "granted", "allocated", "handed_over", "wave_count")
    inlines = [PledgeInline, WaveInline, CampaignEventInline]
    change_form_template = "admin/donations/campaign/change_form.html"  # its "Ajouter une vague" link
    fieldsets = (*BaseCampaignAdmin.fieldsets, (gettext_lazy("Avancement"), {"fields": ("progress",)}))

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "progress")

    def get_queryset(self, request):
        return selectors.campaigns_with_totals(super().get_queryset(request))

    granted = annotation_column("granted_total", gettext_lazy("accordés"))
    allocated = annotation_column("allocated_total", gettext_lazy("attribués"))
    handed_over = annotation_column("handed_over_total", gettext_lazy("remis"))
    wave_count = annotation_column("wave_n", gettext_lazy("vagues"))

    @saved_object_field(gettext_lazy("avancement"))
    def progress(self, obj):
        progress = selectors.campaign_progress(obj)
        # The template escapes what it shows; the strip keeps the field's HTML as it was built before.
        return mark_safe(render_to_string("admin/donations/campaign/_progress.html", {"progress": progress}).strip())  # noqa: S308
