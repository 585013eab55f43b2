"""Small pieces that several apps' admin modules share. Like the rest of core, this imports no app."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from core.errors import DomainError


class ReadOnlyPermissionsMixin:
    """Nobody adds, changes or deletes these rows from the admin (histories, evidence, reference lists): every field
    shown is read-only (the ``fields`` may name the admin's own display methods)."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields or self.readonly_fields

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
    """For an inline: visible to whoever holds ``parent_permission`` (rather than the view permission of the rows'
    model); by default, the view permission of the parent's model."""

    parent_permission = ""

    def has_view_permission(self, request, obj=None):
        opts = self.parent_model._meta
        return request.user.has_perm(
            self.parent_permission or f"{opts.app_label}.{get_permission_codename('view', opts)}"
        )


class ParentVisibleInline(ParentVisibleMixin, ReadOnlyInlineMixin, admin.TabularInline):
    """A journal or list shown under its parent, read-only: visible to whoever may view the parent (or holds
    ``parent_permission``)."""


class HistoryInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The history rows of an object (its ``*Event`` model), under it, read-only: visible to whoever may view
    those rows."""

    # change_label: « Proposée → Confirmée », the statuses in words (core.models.Journal), never the stored codes.
    fields = ("created_at", "actor_label", "kind", "change_label", "note")
    verbose_name_plural = gettext_lazy("historique")


class JournalInline(ParentVisibleMixin, HistoryInline):
    """The history rows of an object, under it, read-only: visible to whoever may view the object (or holds
    ``parent_permission``)."""


class RefusalOnSamePageMixin:
    """For a ModelAdmin whose ``save_model`` calls a service: a refusal (nothing written, the admin's transaction
    rolled back) is said on the same change page instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return redirect(request.get_full_path())


class ChoicesFilter(admin.SimpleListFilter):
    """A list filter given as a table: ``options = {value: (label, Q(...))}``; an unknown value filters nothing.
    A condition that depends on the reader is given as a function of the request that returns the ``Q``."""

    options: dict[str, tuple[Any, Q | Callable[[HttpRequest], Q]]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _condition) in self.options.items()]

    def queryset(self, request, queryset):
        choice = self.options.get(self.value() or "")
        if choice is None:
            return queryset
        condition = choice[1]
        return queryset.filter(condition(request) if callable(condition) else condition)


def admin_pages(model_admin: admin.ModelAdmin, pages) -> list[URLPattern]:
    """A ModelAdmin's own pages, given as ``(route, view, url name)`` rows, each behind the admin's login
    (``admin_view``). ``get_urls`` puts them before the model's own URLs, whose ``<path:object_id>/`` would
    take them."""
    view = model_admin.admin_site.admin_view
    return [path(route, view(page), name=name) for route, page, name in pages]


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


def saved_object_field(description) -> Callable:
    """Decorates a change page's read-only field that only a saved object has: « – » on the add page."""

    def decorate(method: Callable) -> Callable:
        @admin.display(description=description)
        @functools.wraps(method)
        def field(self, obj):
            return "–" if obj is None or obj.pk is None else method(self, obj)

        return field

    return decorate


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
    "campaigns.organiser": MASCULINE,  # organisateur
    "campaigns.staffmembership": MASCULINE,  # membre d'une équipe
    "campaigns.campaigndonor": MASCULINE,  # engagement d'un donateur
    "campaigns.campaignevent": MASCULINE,
    "campaigns.donormembership": FEMININE,  # personne du donateur
    "campaigns.donoroffer": FEMININE,  # offre d'ordinateurs
    "campaigns.donorofferevent": MASCULINE,
    "inventory.collection": FEMININE,  # collecte
    "inventory.collectionslot": MASCULINE,  # créneau de collecte
    "inventory.collectionevent": MASCULINE,
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
    "inventory.checklistitem": MASCULINE,  # point du test fonctionnel
    "inventory.functionaltest": MASCULINE,
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
    "impact.donordocument": MASCULINE,  # document du donateur
    "impact.donordocumentevent": MASCULINE,
    "impact.receipt": MASCULINE,  # reçu fiscal
    "impact.receiptevent": MASCULINE,
    "impact.receipteligibility": FEMININE,  # éligibilité aux reçus fiscaux
    "impact.lotvaluation": FEMININE,  # valeur déclarée d'un lot
    "support.ticket": MASCULINE,  # signalement de panne
    "support.ticketmessage": MASCULINE,
    "support.ticketevent": MASCULINE,
}

_VOWELS = "aàâäeéèêëiîïoôöuùûüyœæh"  # « h » muet in our nouns (historique, hébergement)


def model_gender(model) -> str:
    return MODEL_GENDERS.get(model._meta.label_lower, MASCULINE)


def admin_words(opts, verbose_name=None) -> dict[str, str]:
    """The admin's phrases about one model, with the right article: ``select``, ``select_view``, ``select_popup``,
    ``add``, ``change``, ``view``, ``delete_selected``, ``add_another``, ``delete``. ``verbose_name``: an inline's
    own name."""
    name = str(verbose_name or opts.verbose_name)
    plural = str(opts.verbose_name_plural)
    feminine = MODEL_GENDERS.get(opts.label_lower, MASCULINE) == FEMININE
    # Each phrase as (feminine, masculine); before a vowel, « l' » whatever the gender.
    phrases = {
        "select": (_("Sélectionnez une %(name)s à modifier"), _("Sélectionnez un %(name)s à modifier")),
        "select_view": (_("Sélectionnez une %(name)s à consulter"), _("Sélectionnez un %(name)s à consulter")),
        "select_popup": (_("Sélectionnez une %(name)s"), _("Sélectionnez un %(name)s")),
        "add": (_("Ajouter une %(name)s"), _("Ajouter un %(name)s")),
        "change": (_("Modifier la %(name)s"), _("Modifier le %(name)s")),
        "view": (_("Consulter la %(name)s"), _("Consulter le %(name)s")),
        "delete_selected": (_("Supprimer les %(plural)s sélectionnées"), _("Supprimer les %(plural)s sélectionnés")),
        "add_another": (_("Ajouter une autre %(name)s"), _("Ajouter un autre %(name)s")),
        "delete": (_("Supprimer la %(name)s"), _("Supprimer le %(name)s")),
    }
    words = {key: forms[0 if feminine else 1] for key, forms in phrases.items()}
    if name[:1].lower() in _VOWELS:
        words.update(change=_("Modifier l'%(name)s"), view=_("Consulter l'%(name)s"), delete=_("Supprimer l'%(name)s"))
    return {key: phrase % {"name": name, "plural": plural} for key, phrase in words.items()}


def _the(opts, obj) -> str:
    """« le lot « X » », « la vague « X » », « l'association « X » » (``obj`` already in its final form)."""
    name = str(opts.verbose_name)
    if name[:1].lower() in _VOWELS:
        phrase = _("l'%(name)s « %(obj)s »")
    elif MODEL_GENDERS.get(opts.label_lower, MASCULINE) == FEMININE:
        phrase = _("la %(name)s « %(obj)s »")
    else:
        phrase = _("le %(name)s « %(obj)s »")
    return phrase % {"name": name, "obj": obj}


def _the_selected(opts, count: int) -> str:
    """« le lot sélectionné », « les 3 vagues sélectionnées »…"""
    feminine = MODEL_GENDERS.get(opts.label_lower, MASCULINE) == FEMININE
    name, plural = str(opts.verbose_name), str(opts.verbose_name_plural)
    if count != 1:
        phrase = _("les %(count)s %(plural)s sélectionnées") if feminine else _("les %(count)s %(plural)s sélectionnés")
    elif name[:1].lower() in _VOWELS:
        phrase = _("l'%(name)s sélectionnée") if feminine else _("l'%(name)s sélectionné")
    else:
        phrase = _("la %(name)s sélectionnée") if feminine else _("le %(name)s sélectionné")
    return phrase % {"name": name, "plural": plural, "count": count}


def delete_words(opts, obj=None, count: int = 1) -> dict[str, str]:
    """The sentences of the delete confirmation pages, with the model's article and gender, never « objet »:
    ``title``, ``confirm``, ``forbidden``, ``protected``. ``obj``: the one object of the delete page; without it,
    the ``count`` objects selected for the delete action. HTML-safe: names are escaped here."""
    if obj is not None:
        what = _the(opts, conditional_escape(str(obj)))
        title = admin_words(opts)["delete"]
        confirm = _(
            "Voulez-vous vraiment supprimer %(what)s ? Tous les éléments liés suivants seront aussi supprimés :"
        )
    else:
        what = _the_selected(opts, count)
        title = (
            _("Supprimer plusieurs %(plural)s") % {"plural": opts.verbose_name_plural}
            if count != 1
            else admin_words(opts)["delete"]
        )
        confirm = _(
            "Voulez-vous vraiment supprimer %(what)s ? Tous les éléments suivants et ceux qui leur sont liés "
            "seront supprimés :"
        )
    what = conditional_escape(what) if obj is None else what
    words = {
        "title": title,
        "cannot": _("Impossible de supprimer %(what)s") % {"what": what},
        "confirm": confirm % {"what": what},
        "forbidden": _(
            "Supprimer %(what)s supprimerait aussi des éléments liés, mais votre compte n'a pas le droit de "
            "supprimer les types d'éléments suivants :"
        )
        % {"what": what},
        "protected": _("Supprimer %(what)s obligerait à supprimer les éléments liés protégés suivants :")
        % {"what": what},
    }
    return {key: mark_safe(value) if key != "title" else value for key, value in words.items()}  # noqa: S308


def _django_pattern(template: str, placeholders: dict[str, str]) -> re.Pattern:
    """A regular expression matching Django's message ``template`` (in the active language): each placeholder
    (``{name}``, ``%(obj)s``…) is either a fixed text (given) or captured."""
    parts = re.split(r"(\{\w+\}|%\(\w+\)[sd])", template)
    regex = []
    for part in parts:
        match = re.fullmatch(r"\{(\w+)\}|%\((\w+)\)[sd]", part)
        if not match:
            regex.append(re.escape(part))
            continue
        key = match.group(1) or match.group(2)
        if key in placeholders:
            regex.append(re.escape(placeholders[key]))
        elif f"(?P<{key}>" in "".join(regex):
            regex.append(f"(?P={key})")
        else:
            regex.append(f"(?P<{key}>.+?)")
    return re.compile("^" + "".join(regex) + "$", re.DOTALL)


def french_admin_message(opts, message):
    """Django's messages after an add, a change or a delete (« L'objet ordinateur « X » a été ajouté avec
    succès »), said with the model's article and gender (« L'ordinateur « X » a été ajouté. »). Any other message
    is returned as it is."""
    text = str(message)
    safe = isinstance(message, SafeData)
    name = str(opts.verbose_name)
    feminine = MODEL_GENDERS.get(opts.label_lower, MASCULINE) == FEMININE
    html_name = str(conditional_escape(name))
    added = _("%(what)s a été ajoutée.") if feminine else _("%(what)s a été ajouté.")
    changed = _("%(what)s a été modifiée.") if feminine else _("%(what)s a été modifié.")
    deleted = _("%(what)s a été supprimée.") if feminine else _("%(what)s a été supprimé.")
    edit_again = (
        _("Vous pouvez la modifier de nouveau ci-dessous.")
        if feminine
        else _("Vous pouvez le modifier de nouveau ci-dessous.")
    )
    add_another = (
        _("Vous pouvez ajouter une autre %(name)s ci-dessous.")
        if feminine
        else _("Vous pouvez ajouter un autre %(name)s ci-dessous.")
    ) % {"name": html_name}
    # Django's templates (its own msgids, translated by its catalogue) -> our sentence.
    with_html = [
        (gettext("The {name} “{obj}” was added successfully."), [added]),
        (gettext("The {name} “{obj}” was added successfully. You may edit it again below."), [added, edit_again]),
        (
            gettext("The {name} “{obj}” was added successfully. You may add another {name} below."),
            [added, add_another],
        ),
        (gettext("The {name} “{obj}” was changed successfully."), [changed]),
        (
            gettext("The {name} “{obj}” was changed successfully. You may edit it again below."),
            [changed, edit_again],
        ),
        (
            gettext("The {name} “{obj}” was changed successfully. You may add another {name} below."),
            [changed, add_another],
        ),
    ]
    if safe:
        for template, sentences in with_html:
            match = _django_pattern(template, {"name": html_name}).match(text)
            if match:
                what = _the(opts, match.group("obj"))  # already HTML (a link, or the escaped name)
                what = what[:1].upper() + what[1:]
                return mark_safe(" ".join(sentence % {"what": what} for sentence in sentences))  # noqa: S308
        return message
    match = _django_pattern(gettext("The %(name)s “%(obj)s” was deleted successfully."), {"name": name}).match(text)
    if match:
        what = _the(opts, match.group("obj"))
        return deleted % {"what": what[:1].upper() + what[1:]}
    missing = gettext("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?")
    match = _django_pattern(missing, {"name": name}).match(text)
    if match:
        phrase = (
            _("Aucune %(name)s ne porte l'identifiant « %(key)s » : elle a peut-être été supprimée.")
            if feminine
            else _("Aucun %(name)s ne porte l'identifiant « %(key)s » : il a peut-être été supprimé.")
        )
        return phrase % {"name": name, "key": match.group("key")}
    match = _django_pattern(gettext("Successfully deleted %(count)d %(items)s."), {}).match(text)
    if match and match.group("count").isdigit():
        count = int(match.group("count"))
        items = match.group("items")
        if feminine:
            phrase = ngettext("%(count)s %(items)s supprimée.", "%(count)s %(items)s supprimées.", count)
        else:
            phrase = ngettext("%(count)s %(items)s supprimé.", "%(count)s %(items)s supprimés.", count)
        return phrase % {"count": count, "items": items}
    return message


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

    def message_user(self, request, message, *args, **kwargs):
        return super().message_user(request, french_admin_message(self.opts, message), *args, **kwargs)

    def delete_view(self, request, object_id, extra_context=None):
        return super().delete_view(request, object_id, {"admin_words": admin_words(self.opts), **(extra_context or {})})

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None:
            words = delete_words(self.opts, obj=obj)
            context["delete_words"] = words
            title = str(context.get("title", ""))
            if title in (gettext("Are you sure?"), gettext("Delete")):
                context["title"] = words["title"]
            elif title == gettext("Cannot delete %(name)s") % {"name": context.get("object_name", "")}:
                context["title"] = words["cannot"]
        return super().render_delete_form(request, context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            function, name, _description = actions["delete_selected"]
            actions["delete_selected"] = (
                _delete_selected_in_words(function),
                name,
                admin_words(self.opts)["delete_selected"],
            )
        return actions

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            inline_formset.inline_formset_data = _inline_data_with_words(inline_formset)
        return inline_formsets


def _delete_selected_in_words(function):
    """Django's delete action, its confirmation page said with the model's article and gender."""

    def delete_selected(modeladmin, request, queryset):
        response = function(modeladmin, request, queryset)
        context = getattr(response, "context_data", None)
        if context is not None and "queryset" in context:
            words = delete_words(modeladmin.opts, count=len(context["queryset"]))
            context["delete_words"] = words
            context["title"] = words["title"]
        return response

    delete_selected.allowed_permissions = getattr(function, "allowed_permissions", ("delete",))
    delete_selected.short_description = getattr(function, "short_description", "")
    return delete_selected


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
