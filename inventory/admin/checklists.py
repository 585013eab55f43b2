"""The functional test checklist of each campaign (the campaign's team edits it) and the tests recorded."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy

from campaigns.scoping import OrganiserScopedAdmin, ScopedRelatedFieldListFilter
from core.admin_helpers import ReadOnlyPermissionsMixin
from inventory.models import ChecklistItem, FunctionalTest
from inventory.validators import validate_no_control_characters


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["campaign", "position", "label", "help_text", "active"]

    def clean(self):
        cleaned = super().clean()
        for name in ("label", "help_text"):
            value = cleaned.get(name)
            if isinstance(value, str):
                cleaned[name] = value = value.strip()
                try:
                    validate_no_control_characters(value)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        if "label" in cleaned and not cleaned["label"] and "label" not in self.errors:
            self.add_error("label", gettext_lazy("Indiquez le point à tester."))
        return cleaned


@admin.register(ChecklistItem)
class ChecklistItemAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    """Points may be renamed, reordered or set aside (unticked); tests already recorded keep their own words."""

    organiser_path = "campaign__organiser"

    form = ChecklistItemForm
    list_display = ("label", "campaign", "position", "active", "help_text")
    list_display_links = ("label",)
    list_editable = ("position", "active")
    list_filter = (("campaign", ScopedRelatedFieldListFilter), "active")
    list_select_related = ("campaign",)
    search_fields = ("label", "campaign__name")
    ordering = ("campaign", "position", "pk")
    list_per_page = 100


@admin.register(FunctionalTest)
class FunctionalTestAdmin(OrganiserScopedAdmin, ReadOnlyPermissionsMixin, admin.ModelAdmin):
    organiser_path = "computer__lot__organiser"
    list_display = ("computer", "passed", "legacy", "checklist", "performed_at", "actor_label")
    list_filter = ("passed", "legacy", "performed_at")
    search_fields = ("computer__serial_number", "computer__asset_tag")
    list_select_related = ("computer",)
    date_hierarchy = "performed_at"
    show_full_result_count = False
