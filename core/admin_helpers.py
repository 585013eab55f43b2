"""Small pieces that several apps' admin modules share. Like the rest of core, this imports no app."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _


class ReadOnlyPermissionsMixin:
    """Nobody adds, changes or deletes these rows from the admin (histories, evidence, reference lists)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyPermissionsMixin):
    """Rows shown under their parent for reading only: no empty form, no delete box."""

    extra = 0
    can_delete = False


class ParentVisibleMixin:
    """Visible to whoever holds ``parent_permission`` (rather than the view permission of the rows' model)."""

    parent_permission = ""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(self.parent_permission)


class ParentVisibleInline(ParentVisibleMixin, ReadOnlyInlineMixin, admin.TabularInline):
    """A journal or list shown under its parent, read-only: visible to whoever holds ``parent_permission``."""


class HistoryInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The history rows of an object (its ``*Event`` model), under it, read-only: visible to whoever may view
    those rows."""

    # change_label: « Proposée → Confirmée », the statuses in words (core.models.Journal), never the stored codes.
    fields = ("created_at", "actor_label", "kind", "change_label", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique")


class JournalInline(ParentVisibleMixin, HistoryInline):
    """The history rows of an object, under it, read-only: visible to whoever holds ``parent_permission``."""


class ChoicesFilter(admin.SimpleListFilter):
    """A list filter given as a table: ``options = {value: (label, Q(...))}``; an unknown value filters nothing."""

    options: dict[str, tuple[Any, Q]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _condition) in self.options.items()]

    def queryset(self, request, queryset):
        choice = self.options.get(self.value() or "")
        return queryset if choice is None else queryset.filter(choice[1])


def cached_per_request(request: HttpRequest, key: str, compute: Callable[[], Any]):
    """Compute once per request what a change list may ask for twice (filter choices, counts)."""
    cache = request.__dict__.setdefault("_admin_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def admin_link(name: str, pk, label) -> str:
    """A link to another app's admin page, or the plain label when that page is not registered."""
    try:
        return format_html('<a href="{}">{}</a>', reverse(name, args=[pk]), label)
    except NoReverseMatch:
        return str(label)


def annotation_column(attribute: str, description) -> Callable:
    """A list column showing an annotation of the queryset (a total), sortable by it."""

    @admin.display(description=description, ordering=attribute)
    def column(self, obj):
        return getattr(obj, attribute)

    return column


# Proper French titles ----------------------------------------------------------------------------------------------
#
# Django builds its admin titles from a model's verbose name with no article (« Sélectionnez l'objet ordinateur à
# changer », « Modification de ordinateur », « Supprimer les vagues sélectionnés », « Ajouter un objet Engagement
# d'un donateur supplémentaire »). French needs each noun's gender and the elision of « le/la » before a vowel.
# Every model shown in the admin (registered, or as an inline) declares its gender here, by its label;
# tests/core/test_admin_words.py fails for a model missing from the table.

FEMININE, MASCULINE = "f", "m"
MODEL_GENDERS: dict[str, str] = {
    "auth.group": MASCULINE,
    "account.emailaddress": FEMININE,  # adresse électronique
    "accounts.user": MASCULINE,
    "accounts.accountevent": MASCULINE,
    "core.outboxemail": MASCULINE,
    "campaigns.donor": MASCULINE,
    "campaigns.campaign": FEMININE,
    "campaigns.campaigndonor": MASCULINE,  # engagement d'un donateur
    "campaigns.campaignevent": MASCULINE,
    "associations.application": FEMININE,
    "associations.association": FEMININE,
    "associations.mission": FEMININE,
    "associations.joinrequest": FEMININE,  # demande pour rejoindre une association
    "associations.membership": MASCULINE,  # membre
    "associations.message": MASCULINE,
    "associations.applicationevent": MASCULINE,
    "inventory.computer": MASCULINE,
    "inventory.wiperecord": MASCULINE,  # effacement des données
    "inventory.computerevent": MASCULINE,
    "inventory.lot": MASCULINE,
    "inventory.stockpartner": MASCULINE,  # partenaire de reconditionnement
    "api.apitoken": MASCULINE,  # jeton d'API
    "api.apitokenevent": MASCULINE,
    "donations.wave": FEMININE,
    "donations.waveevent": MASCULINE,
    "donations.allocation": FEMININE,
    "donations.allocationunit": MASCULINE,  # ordinateur attribué
    "donations.allocationevent": MASCULINE,
    "donations.handoverslot": MASCULINE,  # créneau de remise
    "certificates.handover": FEMININE,  # attestation de remise
    "certificates.handoverevent": MASCULINE,
    "impact.impactreport": MASCULINE,  # bilan d'impact
    "impact.impactreportevent": MASCULINE,
    "impact.impactreminder": MASCULINE,
    "impact.campaignreporting": MASCULINE,  # calendrier des bilans
}

_VOWELS = "aàâäeéèêëiîïoôöuùûüyœæh"  # « h » muet in our nouns (historique, hébergement)


def model_gender(model) -> str:
    return MODEL_GENDERS.get(model._meta.label_lower, MASCULINE)


def admin_words(opts, verbose_name=None) -> dict[str, str]:
    """The admin's phrases about one model, with the right article: ``select``, ``select_view``, ``select_popup``,
    ``add``, ``change``, ``view``, ``delete_selected``, ``add_another``. ``verbose_name``: an inline's own name."""
    name = str(verbose_name or opts.verbose_name)
    plural = str(opts.verbose_name_plural)
    feminine = MODEL_GENDERS.get(opts.label_lower, MASCULINE) == FEMININE
    elided = name[:1].lower() in _VOWELS
    if feminine:
        words = {
            "select": _("Sélectionnez une %(name)s à modifier"),
            "select_view": _("Sélectionnez une %(name)s à consulter"),
            "select_popup": _("Sélectionnez une %(name)s"),
            "add": _("Ajouter une %(name)s"),
            "change": _("Modifier l'%(name)s") if elided else _("Modifier la %(name)s"),
            "view": _("Consulter l'%(name)s") if elided else _("Consulter la %(name)s"),
            "delete_selected": _("Supprimer les %(plural)s sélectionnées"),
            "add_another": _("Ajouter une autre %(name)s"),
        }
    else:
        words = {
            "select": _("Sélectionnez un %(name)s à modifier"),
            "select_view": _("Sélectionnez un %(name)s à consulter"),
            "select_popup": _("Sélectionnez un %(name)s"),
            "add": _("Ajouter un %(name)s"),
            "change": _("Modifier l'%(name)s") if elided else _("Modifier le %(name)s"),
            "view": _("Consulter l'%(name)s") if elided else _("Consulter le %(name)s"),
            "delete_selected": _("Supprimer les %(plural)s sélectionnés"),
            "add_another": _("Ajouter un autre %(name)s"),
        }
    return {key: phrase % {"name": name, "plural": plural} for key, phrase in words.items()}


class FrenchTitlesMixin:
    """Puts ``admin_words`` where Django builds its titles. Mixed into every registered ModelAdmin by
    ``PortalAdminSite.register``; it only replaces Django's own phrasing, never a title a page sets itself."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        words = admin_words(self.opts)
        if changelist.is_popup:
            changelist.title = words["select_popup"]
        elif self.has_change_permission(request):
            changelist.title = words["select"]
        else:
            changelist.title = words["select_view"]
        return changelist

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"admin_words": admin_words(self.opts), **(extra_context or {})})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        words = admin_words(self.opts)
        django_titles = {
            gettext("Add %s") % self.opts.verbose_name,
            gettext("Change %s") % self.opts.verbose_name,
            gettext("View %s") % self.opts.verbose_name,
        }
        if str(context.get("title", "")) in django_titles:
            if add:
                context["title"] = words["add"]
            elif self.has_change_permission(request, obj):
                context["title"] = words["change"]
            else:
                context["title"] = words["view"]
        context.setdefault("admin_words", words)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            function, name, _description = actions["delete_selected"]
            actions["delete_selected"] = (function, name, admin_words(self.opts)["delete_selected"])
        return actions

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            inline_formset.inline_formset_data = _inline_data_with_words(inline_formset)
        return inline_formsets


def _inline_data_with_words(inline_formset):
    """The inline's « Ajouter un autre … » (read by inlines.js from this JSON), with its article."""
    original = inline_formset.inline_formset_data

    def data():
        payload = json.loads(original())
        opts = inline_formset.opts
        add_another = admin_words(opts.model._meta, opts.verbose_name)["add_another"]
        payload.setdefault("options", {})["addText"] = add_another
        return json.dumps(payload)

    return data


class PortalAdminSite(admin.AdminSite):
    """The admin site: every ModelAdmin registered on it speaks proper French (FrenchTitlesMixin)."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, FrenchTitlesMixin):
            admin_class = type(
                admin_class.__name__,
                (FrenchTitlesMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        return super().register(model_or_iterable, admin_class, **options)
