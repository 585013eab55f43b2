"""Staff screens for campaigns, waves and allocations. Thin: every write calls a service."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns import services as campaign_services
from campaigns.models import Campaign, CampaignDonor, CampaignEvent, Donor
from core.admin_inlines import PreloadedAutocompleteInlineMixin
from core.errors import DomainError
from core.textlimits import TextLimitsMixin
from donations import selectors, services
from donations.models import Allocation, AllocationEvent, AllocationUnit, Wave, WaveEvent

A = Allocation.Status


def _allocation_total(campaign_ref: str, statuses) -> Coalesce:
    subquery = (
        Allocation.objects.filter(wave__campaign=OuterRef(campaign_ref), status__in=statuses)
        .order_by()
        .values("wave__campaign")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def _admin_link(name: str, pk, label) -> str:
    """A link to another app's admin page, or the plain label when that page is not registered."""
    try:
        return format_html('<a href="{}">{}</a>', reverse(name, args=[pk]), label)
    except NoReverseMatch:
        return str(label)


# Donors and campaigns -------------------------------------------------------------------------


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ("name", "siret", "contact_email", "pledged", "campaign_count")
    search_fields = ("name", "siret", "contact_email")
    ordering = ("name",)  # the autocomplete paginates: an unordered list could skip or repeat donors

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(pledged_total=Coalesce(Sum("pledges__pledged_units"), 0), campaigns_n=Count("pledges"))
        )

    @admin.display(description=gettext_lazy("ordinateurs promis"), ordering="pledged_total")
    def pledged(self, obj):
        return obj.pledged_total

    @admin.display(description=gettext_lazy("campagnes"), ordering="campaigns_n")
    def campaign_count(self, obj):
        return obj.campaigns_n


class _ReadOnlyInline(admin.TabularInline):
    """A journal or list shown under its parent: visible to whoever may view the parent."""

    extra = 0
    can_delete = False
    parent_permission = ""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(self.parent_permission)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PledgeInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = CampaignDonor
    extra = 0
    autocomplete_fields = ["donor"]
    verbose_name_plural = gettext_lazy("donateurs et ordinateurs promis")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor")  # str(pledge) and the autocomplete's label


class WaveInline(_ReadOnlyInline):
    model = Wave
    parent_permission = "donations.view_wave"
    show_change_link = True
    fields = ("label", "status", "capacity", "totals", "handover_starts_on", "place", "plan_link")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("vagues de distribution")

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals().order_by("number")

    @admin.display(description=gettext_lazy("vague"))
    def label(self, obj):
        return str(obj)

    @admin.display(description=gettext_lazy("proposé / attribué / remis"))
    def totals(self, obj):
        return f"{obj.proposed_total} / {obj.allocated_total} / {obj.handed_over_total}"

    @admin.display(description="")
    def plan_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:donations_wave_plan", args=[obj.pk]), _("Planifier cette vague")
        )


class CampaignEventInline(_ReadOnlyInline):
    model = CampaignEvent
    parent_permission = "campaigns.view_campaign"
    fields = ("created_at", "actor_label", "from_status", "to_status", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique du statut")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "city",
        "status",
        "pledged_units",
        "granted",
        "allocated",
        "handed_over",
        "wave_count",
    )
    list_filter = ("status", "city")
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PledgeInline, WaveInline, CampaignEventInline]
    actions = ["open_campaigns", "close_campaigns"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "city", "status", "description", "eligibility")}),
        (
            gettext_lazy("Ordinateurs"),
            {"fields": ("pledged_units", "min_per_association", "max_per_association")},
        ),
        (gettext_lazy("Candidatures"), {"fields": ("applications_open_on", "applications_close_on")}),
        (gettext_lazy("Avancement"), {"fields": ("progress",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through the actions (a service with its transitions table).
        return ("status", "progress")

    def get_queryset(self, request):
        approved = (
            Campaign.objects.filter(pk=OuterRef("pk"))
            .annotate(
                n=Sum("applications__granted_quantity", filter=Q(applications__status="approved")),
            )
            .values("n")
        )
        waves = Wave.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=Count("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                granted_total=Coalesce(Subquery(approved, output_field=IntegerField()), 0),
                allocated_total=_allocation_total("pk", [A.CONFIRMED, A.HANDED_OVER]),
                handed_over_total=_allocation_total("pk", [A.HANDED_OVER]),
                wave_n=Coalesce(Subquery(waves.values("n"), output_field=IntegerField()), 0),
            )
        )

    @admin.display(description=gettext_lazy("accordés"), ordering="granted_total")
    def granted(self, obj):
        return obj.granted_total

    @admin.display(description=gettext_lazy("attribués"), ordering="allocated_total")
    def allocated(self, obj):
        return obj.allocated_total

    @admin.display(description=gettext_lazy("remis"), ordering="handed_over_total")
    def handed_over(self, obj):
        return obj.handed_over_total

    @admin.display(description=gettext_lazy("vagues"), ordering="wave_n")
    def wave_count(self, obj):
        return obj.wave_n

    @admin.display(description=gettext_lazy("avancement"))
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        progress = selectors.campaign_progress(obj)
        summary = format_html(
            "<p><strong>{}</strong> {} · <strong>{}</strong> {} ({}) · "
            "<strong>{}</strong> {} · <strong>{}</strong> {}</p>",
            progress["pledged"],
            _("promis"),
            progress["granted"],
            _("accordés"),
            ngettext("%(n)s association", "%(n)s associations", progress["approved_associations"])
            % {"n": progress["approved_associations"]},
            progress["allocated"],
            _("attribués"),
            progress["handed_over"],
            _("remis"),
        )
        if not progress["waves"]:
            return format_html("{}<p>{}</p>", summary, _("Aucune vague pour le moment."))
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:donations_wave_plan", args=[w.pk]),
                    str(w),
                    w.get_status_display(),
                    w.capacity,
                    w.proposed_total,
                    w.allocated_total,
                    w.handed_over_total,
                )
                for w in progress["waves"]
            ),
        )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("Vague"),
            _("Statut"),
            _("Capacité"),
            _("Proposé"),
            _("Attribué"),
            _("Remis"),
        )
        return format_html(
            '{}<table class="wave-progress"><thead>{}</thead><tbody>{}</tbody></table>', summary, head, rows
        )

    def _set_status(self, request, queryset, to: str):
        done = 0
        for campaign in queryset:
            try:
                campaign_services.campaign_set_status(campaign=campaign, to=to, by=request.user)
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


# Waves ------------------------------------------------------------------------------------------


class WaveAdminForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = (
            "campaign",
            "number",
            "name",
            "capacity",
            "is_final_lot",
            "handover_starts_on",
            "handover_ends_on",
            "place",
        )

    def _post_clean(self):
        super()._post_clean()
        # ModelForm copies the cleaned data onto the instance in _post_clean: check after it.
        if not self.errors:
            try:
                services.wave_check(wave=self.instance)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            except DomainError as exc:
                self.add_error(None, str(exc))


class AllocationInline(_ReadOnlyInline):
    model = Allocation
    parent_permission = "donations.view_allocation"
    show_change_link = True
    fields = ("position", "association", "quantity", "status", "appointment", "reason")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("attributions")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("wave", "application__association").order_by("position", "pk")
        )

    @admin.display(description=gettext_lazy("association"))
    def association(self, obj):
        return obj.application.association.legal_name

    @admin.display(description=gettext_lazy("rendez-vous"))
    def appointment(self, obj):
        return _appointment_label(obj)


class WaveEventInline(_ReadOnlyInline):
    model = WaveEvent
    parent_permission = "donations.view_wave"
    fields = ("created_at", "actor_label", "kind", "from_status", "to_status", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique")


def _appointment_label(allocation: Allocation) -> str:
    if allocation.appointment_date is None:
        return allocation.get_appointment_status_display()
    day, start, end = allocation.appointment_date, allocation.appointment_start, allocation.appointment_end
    return f"{day:%d/%m/%Y} {start:%H:%M}–{end:%H:%M} ({allocation.get_appointment_status_display()})"


class AddLineForm(forms.Form):
    application = forms.TypedChoiceField(label=gettext_lazy("Association"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantité"), min_value=1)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [
            (
                c.application_id,
                _("%(name)s – accordé %(granted)s, reste %(left)s")
                % {
                    "name": c.association,
                    "granted": c.granted,
                    "left": c.remaining,
                },
            )
            for c in candidates
        ]


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    form = WaveAdminForm
    list_display = (
        "label",
        "status",
        "capacity",
        "proposed",
        "allocated",
        "handed_over",
        "handover_starts_on",
        "plan_link",
    )
    list_filter = ("status", "is_final_lot", "campaign")
    list_select_related = ("campaign",)
    search_fields = ("name", "campaign__name")
    readonly_fields = ("status", "planned_at", "confirmed_at", "closed_at", "plan_link")
    inlines = [AllocationInline, WaveEventInline]
    actions = ["close_waves"]
    fieldsets = (
        (None, {"fields": ("campaign", "number", "name", "is_final_lot", "capacity", "status", "plan_link")}),
        (gettext_lazy("Remise"), {"fields": ("handover_starts_on", "handover_ends_on", "place")}),
        (gettext_lazy("Dates"), {"fields": ("planned_at", "confirmed_at", "closed_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return (*WaveAdminForm.Meta.fields, *self.readonly_fields)
        if obj is not None:
            return ("campaign", *self.readonly_fields)
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        campaign_id = initial.get("campaign")
        if campaign_id and "number" not in initial:
            last = Wave.objects.filter(campaign_id=campaign_id).order_by("-number").values_list("number", flat=True)
            initial["number"] = (last.first() or 0) + 1
        return initial

    def save_model(self, request, obj, form, change):
        services.wave_save(wave=obj, by=request.user, changed=form.changed_data)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False  # a confirmed wave is frozen: its page is read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (not obj.is_editable or obj.allocations.exists()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("vague"), ordering="number")
    def label(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj, obj.campaign)

    @admin.display(description=gettext_lazy("proposé"), ordering="proposed_total")
    def proposed(self, obj):
        return obj.proposed_total

    @admin.display(description=gettext_lazy("attribué"), ordering="allocated_total")
    def allocated(self, obj):
        return obj.allocated_total

    @admin.display(description=gettext_lazy("remis"), ordering="handed_over_total")
    def handed_over(self, obj):
        return obj.handed_over_total

    @admin.display(description=gettext_lazy("planification"))
    def plan_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        label = _("Planifier cette vague") if obj.is_editable else _("Voir la proposition")
        return format_html(
            '<a class="button" href="{}">{}</a>', reverse("admin:donations_wave_plan", args=[obj.pk]), label
        )

    @admin.action(description=gettext_lazy("Clore les vagues sélectionnées"), permissions=["plan"])
    def close_waves(self, request, queryset):
        for wave in queryset:
            try:
                services.wave_close(wave=wave, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{wave} : {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(wave)s : close.") % {"wave": wave}, messages.SUCCESS)

    def has_plan_permission(self, request, obj=None):
        return request.user.has_perm("donations.plan_wave")

    # The « plan this wave » page --------------------------------------------------------------

    def get_urls(self):
        urls = [
            path("<path:object_id>/plan/", self.admin_site.admin_view(self.plan_view), name="donations_wave_plan"),
            path(
                "<path:object_id>/plan/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="donations_wave_plan_confirm",
            ),
        ]
        return urls + super().get_urls()

    def _get_wave(self, request, object_id) -> Wave:
        wave = get_object_or_404(Wave.objects.select_related("campaign"), pk=object_id)
        if not self.has_view_permission(request, wave):
            raise PermissionDenied
        return wave

    def plan_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        wave = self._get_wave(request, object_id)
        can_plan = self.has_plan_permission(request, wave)
        errors: dict[str, list[str]] = {}
        posted: dict[int, str] = {}
        removed: set[int] = set()
        add_form = None
        status = 200
        if request.method == "POST":
            if not can_plan:
                raise PermissionDenied
            action = request.POST.get("action")
            plan_url = reverse("admin:donations_wave_plan", args=[wave.pk])
            try:
                if action == "plan":
                    plan = services.wave_plan(wave=wave, by=request.user)
                    self.message_user(
                        request,
                        ngettext(
                            "Proposition calculée : %(units)s ordinateurs pour %(n)s association.",
                            "Proposition calculée : %(units)s ordinateurs pour %(n)s associations.",
                            len(plan.lines),
                        )
                        % {"units": plan.total, "n": len(plan.lines)},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(plan_url)
                if action == "save":
                    quantities, posted, removed = self._read_quantities(request, wave)
                    changes = services.wave_edit_plan(wave=wave, by=request.user, quantities=quantities, remove=removed)
                    if changes:
                        self.message_user(
                            request,
                            _("Proposition modifiée : %(changes)s.") % {"changes": " ; ".join(changes)},
                            messages.SUCCESS,
                        )
                    else:
                        self.message_user(request, _("Aucune modification."), messages.INFO)
                    return HttpResponseRedirect(plan_url)
                if action == "add":
                    view = selectors.wave_plan_view(wave)
                    add_form = AddLineForm(request.POST, candidates=view.addable)
                    if add_form.is_valid():
                        from associations.models import Application

                        application = get_object_or_404(Application, pk=add_form.cleaned_data["application"])
                        allocation = services.wave_add_application(
                            wave=wave,
                            application=application,
                            quantity=add_form.cleaned_data["quantity"],
                            by=request.user,
                        )
                        self.message_user(
                            request,
                            _("%(association)s ajoutée à la proposition (%(quantity)s).")
                            % {"association": application.association, "quantity": allocation.quantity},
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(plan_url)
                    status = 400
                else:
                    return HttpResponse(status=400)
            except ValidationError as exc:
                status = 400
                if hasattr(exc, "error_dict"):
                    errors = exc.message_dict
                    if add_form is not None:
                        for field, messages_ in exc.message_dict.items():
                            add_form.add_error(field if field in add_form.fields else None, messages_)
                else:
                    errors = {"__all__": exc.messages}
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(plan_url)
            wave.refresh_from_db()
        view = selectors.wave_plan_view(wave)
        if add_form is None:
            add_form = AddLineForm(candidates=view.addable, initial={"quantity": view.floor})
        rows = [
            {
                "row": row,
                "value": posted.get(row.allocation.pk, row.allocation.quantity),
                "removed": row.allocation.pk in removed,
                "errors": errors.get(f"quantity_{row.allocation.pk}", []),
            }
            for row in view.rows
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": wave,
            "title": (_("Planifier : %(wave)s") if wave.is_editable else _("Proposition confirmée : %(wave)s"))
            % {"wave": wave},
            "wave": wave,
            "view": view,
            "rows": rows,
            "errors": errors.get("__all__", []),
            "add_form": add_form,
            "can_plan": can_plan and wave.is_editable,
            "has_errors": bool(errors) or bool(add_form.errors),
            "events": wave.events.order_by("-created_at", "-pk")[:10],
        }
        return TemplateResponse(request, "admin/donations/wave/plan.html", context, status=status)

    @staticmethod
    def _read_quantities(request, wave):
        quantities: dict[int, int | None] = {}
        posted: dict[int, str] = {}
        removed: set[int] = set()
        for key, value in request.POST.items():
            if key.startswith("quantity_"):
                try:
                    pk = int(key.removeprefix("quantity_"))
                except ValueError:
                    continue
                posted[pk] = value
                try:
                    quantities[pk] = int(value)
                except (TypeError, ValueError):
                    quantities[pk] = None
            elif key.startswith("remove_"):
                try:
                    removed.add(int(key.removeprefix("remove_")))
                except ValueError:
                    continue
        return quantities, posted, removed

    def confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        wave = self._get_wave(request, object_id)
        if not self.has_plan_permission(request, wave):
            raise PermissionDenied
        plan_url = reverse("admin:donations_wave_plan", args=[wave.pk])
        if request.method == "POST":
            try:
                result = services.wave_confirm(wave=wave, by=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return redirect(plan_url)
            self.message_user(
                request,
                ngettext(
                    "Vague confirmée : %(units)s ordinateurs réservés pour %(n)s association.",
                    "Vague confirmée : %(units)s ordinateurs réservés pour %(n)s associations.",
                    len(result.confirmed),
                )
                % {"units": result.units, "n": len(result.confirmed)},
                messages.SUCCESS,
            )
            for _allocation, reason in result.refused:
                self.message_user(request, reason, messages.WARNING)
            return redirect(plan_url)
        view = selectors.wave_plan_view(wave)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": wave,
            "title": _("Confirmer : %(wave)s") % {"wave": wave},
            "wave": wave,
            "view": view,
        }
        return TemplateResponse(request, "admin/donations/wave/plan_confirm.html", context)


# Allocations ------------------------------------------------------------------------------------


class AllocationUnitInline(_ReadOnlyInline):
    model = AllocationUnit
    parent_permission = "donations.view_allocation"
    fields = ("asset_tag", "computer_label", "lot", "assigned_at", "released_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("ordinateurs attribués")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("computer__lot").order_by("computer__asset_tag")

    @admin.display(description=gettext_lazy("numéro d'inventaire"))
    def asset_tag(self, obj):
        return _admin_link("admin:inventory_computer_change", obj.computer_id, obj.computer.asset_tag)

    @admin.display(description=gettext_lazy("ordinateur"))
    def computer_label(self, obj):
        c = obj.computer
        return f"{c.manufacturer} {c.model} – {c.serial_number} ({c.get_status_display()})"

    @admin.display(description=gettext_lazy("lot"))
    def lot(self, obj):
        return obj.computer.lot.reference


class AllocationEventInline(_ReadOnlyInline):
    model = AllocationEvent
    parent_permission = "donations.view_allocation"
    fields = ("created_at", "actor_label", "kind", "from_status", "to_status", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique")


class AllocationAdminForm(forms.ModelForm):
    """Only the appointment is edited here; saving it calls ``allocation_set_appointment``."""

    class Meta:
        model = Allocation
        fields = ("appointment_date", "appointment_start", "appointment_end", "appointment_place")
        widgets = {"appointment_place": forms.TextInput(attrs={"size": 60})}

    def _post_clean(self):
        # The model's constraints are checked by the service, which also writes the history row.
        pass


class CancelForm(TextLimitsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif de l'annulation (envoyé à l'association)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    form = AllocationAdminForm
    list_display = ("association", "wave", "quantity", "status", "appointment", "appointment_status", "units_count")
    list_filter = ("status", "appointment_status", "wave__campaign", "wave")
    list_select_related = ("wave__campaign", "application__association")
    search_fields = ("application__association__legal_name", "application__association__rna")
    inlines = [AllocationUnitInline, AllocationEventInline]
    actions = ["confirm_allocations"]
    readonly_fields = (
        "wave",
        "application_link",
        "quantity",
        "planned_quantity",
        "reason",
        "status",
        "appointment_status",
        "appointment_request",
        "confirmed_at",
        "handed_over_at",
        "cancelled_at",
        "cancel_link",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "wave",
                    "application_link",
                    "quantity",
                    "planned_quantity",
                    "reason",
                    "status",
                    "cancel_link",
                )
            },
        ),
        (
            gettext_lazy("Rendez-vous de remise"),
            {
                "fields": (
                    "appointment_status",
                    "appointment_request",
                    "appointment_date",
                    "appointment_start",
                    "appointment_end",
                    "appointment_place",
                )
            },
        ),
        (gettext_lazy("Dates"), {"fields": ("confirmed_at", "handed_over_at", "cancelled_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("wave__campaign", "application__association")
            .annotate(live_units=Count("units", filter=Q(units__released_at__isnull=True)))
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.status != A.CONFIRMED:
            return (*self.readonly_fields, *AllocationAdminForm.Meta.fields)
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # allocations come from planning a wave

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != A.CONFIRMED:
            return False  # only the appointment of a confirmed allocation is edited here
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the history stays

    def save_model(self, request, obj, form, change):
        if not form.changed_data:
            return
        data = form.cleaned_data
        services.allocation_set_appointment(
            allocation=obj,
            by=request.user,
            date=data.get("appointment_date"),
            start=data.get("appointment_start"),
            end=data.get("appointment_end"),
            place=data.get("appointment_place", ""),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return redirect(request.get_full_path())

    @admin.display(description=gettext_lazy("association"), ordering="application__association__legal_name")
    def association(self, obj):
        return obj.application.association.legal_name

    @admin.display(description=gettext_lazy("candidature"))
    def application_link(self, obj):
        return _admin_link("admin:associations_application_change", obj.application_id, obj.application)

    @admin.display(description=gettext_lazy("créneau"), ordering="appointment_date")
    def appointment(self, obj):
        if obj.appointment_date is None:
            return "–"
        return f"{obj.appointment_date:%d/%m/%Y} {obj.appointment_start:%H:%M}–{obj.appointment_end:%H:%M}"

    @admin.display(description=gettext_lazy("ordinateurs"), ordering="live_units")
    def units_count(self, obj):
        return obj.live_units

    @admin.display(description=gettext_lazy("annulation"))
    def cancel_link(self, obj):
        if obj is None or obj.status not in (A.PROPOSED, A.CONFIRMED) or obj.wave.status == Wave.Status.PLANNING:
            return "–"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:donations_allocation_cancel", args=[obj.pk]),
            _("Annuler cette attribution…"),
        )

    @admin.action(description=gettext_lazy("Confirmer (réserver les ordinateurs)"), permissions=["plan"])
    def confirm_allocations(self, request, queryset):
        for allocation in queryset.order_by("position", "pk"):
            try:
                services.allocation_confirm(allocation=allocation, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{allocation.application.association} : {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(association)s : %(n)s ordinateurs réservés.")
                    % {"association": allocation.application.association, "n": allocation.quantity},
                    messages.SUCCESS,
                )

    def has_plan_permission(self, request, obj=None):
        return request.user.has_perm("donations.plan_wave")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="donations_allocation_cancel",
            ),
            *super().get_urls(),
        ]

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        allocation = get_object_or_404(
            Allocation.objects.select_related("wave__campaign", "application__association"), pk=object_id
        )
        if not request.user.has_perm("donations.change_allocation"):
            raise PermissionDenied
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.allocation_cancel(allocation=allocation, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _("Attribution annulée : ses ordinateurs sont de nouveau prêts."))
                return redirect(reverse("admin:donations_allocation_change", args=[allocation.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": allocation,
            "title": _("Annuler l'attribution de %(association)s")
            % {"association": allocation.application.association},
            "allocation": allocation,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/donations/allocation/cancel.html", context, status=400 if form.errors else 200
        )
