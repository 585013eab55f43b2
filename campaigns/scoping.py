"""Each organiser's team sees only its organiser's objects: one helper for querysets, one mixin for the admin.

A staff member works for the organisers of their ``StaffMembership`` rows; their groups (``accounts.roles``) stay
the source of what they may do, the memberships say *where*. Superusers see everything. Holding
``accounts.roles.EVERY_ORGANISER`` (the national coordinator) lifts the scoping for reading only: such a person
changes or deletes nothing outside their own organisers.

Every model reaches its organiser through a path of foreign keys (``campaign__organiser`` for an application,
``organiser`` for a lot, ``wave__campaign__organiser`` for an allocation...). ``scope_to_user`` filters a
queryset by that path with a subquery on the memberships: no extra query, whatever the data. Objects of another
organiser are absent, so their pages answer 404, never 403 (which would reveal that they exist).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import EVERY_ORGANISER

# Marks a model admin whose rows are not any organiser's (a person's own account, the national associations'
# shared details, reference lists): the meta-test of the access matrix lists them by this value.
GLOBAL = None


def member_organisers(user) -> QuerySet:
    """The ids of the organisers ``user`` works for (a subquery, evaluated by the database)."""
    from campaigns.models import StaffMembership

    return StaffMembership.objects.filter(user_id=user.pk).values("organiser_id")


def sees_every_organiser(user, *, acting: bool = False) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return not acting and user.has_perm(EVERY_ORGANISER)


def scope_to_user(queryset: QuerySet, user, path: str | None = "campaign__organiser", *, acting: bool = False):
    """``queryset`` cut down to the organisers ``user`` works for.

    ``path`` leads from the queryset's model to its organiser ("" for the organisers themselves; ``None`` for a
    model that belongs to no organiser, returned whole). With ``acting``, the coordinator's reading of every
    organiser does not count: what one may change or decide is only one's own organisers'.
    """
    if path is None or sees_every_organiser(user, acting=acting):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    lookup = f"{path}__in" if path else "pk__in"
    if path and _crosses_many(queryset.model, path):
        # A many-valued path would repeat rows: filter the primary keys instead.
        inner = queryset.model._default_manager.filter(**{lookup: member_organisers(user)}).values("pk")
        return queryset.filter(pk__in=inner)
    return queryset.filter(**{lookup: member_organisers(user)})


def _crosses_many(model, path: str) -> bool:
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def user_may_act_on(user, obj: Model, path: str | None) -> bool:
    """Whether ``user`` may act on ``obj`` (an object the admin found through its scoped queryset): always, but
    for a reader of every organiser (the coordinator), only on the organisers they work for."""
    if path is None or sees_every_organiser(user, acting=True):
        return True
    if not sees_every_organiser(user):
        # Someone who reads only their own organisers' objects got ``obj`` through a scoped queryset: no query.
        return True
    return scope_to_user(type(obj)._default_manager.filter(pk=obj.pk), user, path, acting=True).exists()


def organisers_for(user, *, acting: bool = True) -> QuerySet:
    """The organisers ``user`` may pick in a form (acting) or read (``acting=False``)."""
    from campaigns.models import Organiser

    return scope_to_user(Organiser.objects.all(), user, "", acting=acting)


def scope_path_of(model, admin_site=None) -> str | None:
    """The organiser path of ``model``'s admin, ``None`` when the model has none (or no scoped admin)."""
    from django.contrib import admin

    model_admin = (admin_site or admin.site)._registry.get(model)
    return getattr(model_admin, "organiser_path", None)


class OrganiserScopedAdmin:
    """Put it first in a ModelAdmin's bases and give ``organiser_path`` (``GLOBAL`` for a model of nobody).

    It scopes the changelist, the change and delete pages (another organiser's object: 404), the autocomplete
    (it searches ``get_queryset``), the choices of every foreign key whose model has a scoped admin, and refuses
    changes and deletions to whoever only reads (the national coordinator).
    """

    organiser_path: str | None = "campaign__organiser"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if getattr(request, "_organiser_scope_off", False):
            return queryset
        return scope_to_user(queryset, request.user, self.organiser_path)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self.organiser_path is not None and self._exists_elsewhere(request, object_id, from_field):
            # Another organiser's object: 404, rather than the admin's "perhaps it was deleted" redirect, which
            # would confirm that it exists (one more query, only when the object was not found); without the
            # view permission, the 403 that person gets on every object of this kind, which tells nothing.
            if self.has_view_or_change_permission(request):
                raise Http404
            raise PermissionDenied
        return obj

    def scoped_object_or_404(self, request, queryset: QuerySet, object_id):
        """For a custom view of this admin: the object of ``queryset`` that the user may read (GET) or act on
        (anything else), else 404."""
        return get_object_or_404(scoped_for_request(queryset, request, self.organiser_path), pk=object_id)

    def _exists_elsewhere(self, request, object_id, from_field=None) -> bool:
        field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        try:
            value = field.to_python(object_id)
        except Exception:  # noqa: BLE001 - a malformed id: Django's own answer
            return False
        request._organiser_scope_off = True
        try:
            return self.get_queryset(request).filter(**{field.name: value}).exists()
        finally:
            request._organiser_scope_off = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        _scope_choices(formfield, db_field.related_model, request, self.admin_site)
        return formfield

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if self.organiser_path == "organiser" and "organiser" not in initial:
            # Most people work for one organiser: it is already chosen.
            mine = list(organisers_for(request.user).values_list("pk", flat=True)[:2])
            if len(mine) == 1:
                initial["organiser"] = mine[0]
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        _scope_choices(formfield, db_field.related_model, request, self.admin_site)
        return formfield

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_may_act_on(request.user, obj, self.organiser_path))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_may_act_on(request.user, obj, self.organiser_path))


def _scope_choices(formfield, related_model, request, admin_site) -> None:
    if formfield is None or not hasattr(formfield, "queryset"):
        return
    from campaigns.models import Organiser

    path = "" if related_model is Organiser else scope_path_of(related_model, admin_site)
    if path is not None:
        formfield.queryset = scope_to_user(formfield.queryset, request.user, path, acting=True)


class OrganiserScopedInline:
    """For an inline under a shared parent (an association): only the rows of the user's organisers, and only
    their organisers' objects to choose. (An inline's permissions take the parent, not the row: left alone.)"""

    organiser_path: str | None = "campaign__organiser"

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user, self.organiser_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        _scope_choices(formfield, db_field.related_model, request, self.admin_site)
        return formfield


def scoped_for_request(queryset: QuerySet, request, path: str | None = "campaign__organiser") -> QuerySet:
    """For a custom view: reading (GET, HEAD) sees what the user reads; anything else, what they may act on."""
    return scope_to_user(queryset, request.user, path, acting=request.method not in ("GET", "HEAD", "OPTIONS"))


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter on a relation whose choices are only the reader's organisers' objects (the names of another
    organiser's campaigns or waves are not shown): one query, as Django's own."""

    def field_choices(self, field, request, model_admin):
        from campaigns.models import Organiser

        related = field.related_model
        path = "" if related is Organiser else scope_path_of(related, model_admin.admin_site)
        queryset = scope_to_user(related._default_manager.all(), request.user, path)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]
