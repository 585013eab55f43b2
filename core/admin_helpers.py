"""Small pieces that several apps' admin modules share. Like the rest of core, this imports no app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy


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

    fields = ("created_at", "actor_label", "kind", "from_status", "to_status", "note")
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
