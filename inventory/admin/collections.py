"""Collections in the admin: the slots donors proposed, for the lot's stock team to confirm one, ask for others,
record the collection or cancel it (a decision page: the form on GET, the service on POST)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import OrganiserScopedAdmin, ScopedRelatedFieldListFilter, scoped_for_request
from core.admin_helpers import ParentVisibleInline, admin_pages
from core.errors import DomainError
from core.forms import errors_to_form
from inventory import collection_services as services
from inventory.models import Collection, CollectionEvent, CollectionSlot


class CollectionSlotInline(ParentVisibleInline):
    model = CollectionSlot
    fields = ("date", "starts_at", "ends_at", "address", "access_notes")
    verbose_name_plural = gettext_lazy("créneaux proposés")


class CollectionEventInline(ParentVisibleInline):
    model = CollectionEvent
    fields = ("created_at", "actor_label", "from_status", "to_status", "note")
    verbose_name_plural = gettext_lazy("historique de la collecte")


class DecisionForm(forms.Form):
    ACTIONS = (
        ("confirm", gettext_lazy("Confirmer le créneau choisi (les autres sont déclinés)")),
        ("other_slots", gettext_lazy("Demander d'autres créneaux")),
        ("collected", gettext_lazy("Le lot a été collecté")),
        ("cancel", gettext_lazy("Annuler la collecte")),
    )
    action = forms.ChoiceField(label=gettext_lazy("décision"), choices=ACTIONS)
    slot = forms.TypedChoiceField(label=gettext_lazy("créneau"), coerce=int, required=False, choices=())
    message = forms.CharField(
        label=gettext_lazy("message au donateur"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args, collection: Collection, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in collection.slots.all()}
        self.fields["slot"].choices = [(pk, str(slot)) for pk, slot in self.slots.items()]


@admin.register(Collection)
class CollectionAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "lot__organiser"
    list_display = ("lot", "donor", "status", "slots_display", "expected", "created_at")
    list_filter = ("status", ("lot__organiser", ScopedRelatedFieldListFilter))
    search_fields = ("lot__reference", "lot__donor__name")
    list_select_related = ("lot", "lot__donor", "confirmed_slot")
    inlines = [CollectionSlotInline, CollectionEventInline]
    change_form_template = "admin/inventory/collection/change_form.html"
    readonly_fields = (
        "lot",
        "status",
        "confirmed_slot",
        "models_description",
        "contact_name",
        "contact_phone",
        "contact_email",
        "proposed_by",
        "staff_message",
        "created_at",
        "decided_at",
        "collected_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("slots")

    def has_add_permission(self, request):
        return False  # donors propose them from their space

    def has_delete_permission(self, request, obj=None):
        return False  # kept with their history

    @admin.display(description=gettext_lazy("donateur"), ordering="lot__donor__name")
    def donor(self, collection):
        return collection.lot.donor

    @admin.display(description=gettext_lazy("annoncés"), ordering="lot__expected_count")
    def expected(self, collection):
        return collection.lot.expected_count

    @admin.display(description=gettext_lazy("créneaux"))
    def slots_display(self, collection):
        rows = [("✔ " if slot.pk == collection.confirmed_slot_id else "", slot) for slot in collection.slots.all()]
        return format_html_join("", '<span class="inv-count-line">{}{}</span>', rows) or "—"

    def get_urls(self):
        pages = [("<int:object_id>/decide/", self.decide_view, "inventory_collection_decide")]
        return admin_pages(self, pages) + super().get_urls()

    def decide_view(self, request, object_id):
        """Confirm a slot, ask for others, record the collection or cancel: a form on GET, the service on POST."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = scoped_for_request(
            Collection.objects.select_related("lot", "lot__donor", "lot__organiser"), request, self.organiser_path
        )
        collection = get_object_or_404(queryset, pk=object_id)
        may_change = self.has_change_permission(request, collection)
        if request.method == "POST" and not may_change:
            raise PermissionDenied
        form = DecisionForm(request.POST or None, collection=collection)
        if request.method == "POST" and form.is_valid():
            action, message = form.cleaned_data["action"], form.cleaned_data["message"]
            try:
                if action == "confirm":
                    slot = form.slots.get(form.cleaned_data["slot"])
                    if slot is None:
                        raise ValidationError({"slot": [_("Choisissez le créneau à confirmer.")]})
                    services.collection_confirm(collection=collection, slot=slot, by=request.user, note=message)
                    done = _("Créneau confirmé : le donateur est prévenu par e-mail.")
                elif action == "other_slots":
                    services.collection_ask_other_slots(collection=collection, by=request.user, message=message)
                    done = _("Le donateur est invité par e-mail à proposer d'autres créneaux.")
                elif action == "collected":
                    services.collection_mark_collected(collection=collection, by=request.user, note=message)
                    done = _("Collecte enregistrée.")
                else:
                    services.collection_cancel(collection=collection, by=request.user, reason=message)
                    done = _("Collecte annulée.")
            except (ValidationError, DomainError) as exc:
                errors_to_form(form, exc)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:inventory_collection_change", args=[collection.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Décider de la collecte du lot %(lot)s") % {"lot": collection.lot},
            "collection": collection,
            "form": form,
            "slots": list(collection.slots.all()),
            "may_change": may_change,
        }
        return TemplateResponse(
            request, "admin/inventory/collection/decide.html", context, status=400 if form.errors else 200
        )
