"""The reviewers' side: associations and applications in the Django admin.

The admin stays thin: lists, filters and read-only decision fields here; every status
change goes through ``associations.services`` (review steps on their own admin pages,
bulk actions from the list), and each outcome is reported with ``message_user``.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count, F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.forms import AssociationForm
from associations.models import (
    DECISION_MAX,
    Application,
    ApplicationEvent,
    Association,
    Membership,
    Message,
    Mission,
)
from associations.selectors import application_counts_by_status
from campaigns.models import Campaign
from core.admin_inlines import PreloadedAutocompleteInlineMixin
from core.errors import DomainError
from core.textlimits import TextLimitsMixin

S = Application.Status
REVIEW_PERMISSION = "associations.review_application"


def _cached_per_request(request: HttpRequest, key: str, compute):
    """Filter choices are computed once per request even if the change list is built twice."""
    cache = request.__dict__.setdefault("_associations_admin_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


# List filters -----------------------------------------------------------------------------------


class CampaignFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return _cached_per_request(
            request, "campaigns", lambda: super(CampaignFilter, self).field_choices(field, request, model_admin)
        )


class MissionFilter(admin.SimpleListFilter):
    title = gettext_lazy("mission")
    parameter_name = "mission"
    lookup = "association__missions__code"

    def lookups(self, request, model_admin):
        return _cached_per_request(request, "missions", lambda: [(m.code, str(m)) for m in Mission.objects.all()])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class AssociationMissionFilter(MissionFilter):
    lookup = "missions__code"


class PostalCodeFilter(admin.SimpleListFilter):
    title = gettext_lazy("code postal")
    parameter_name = "code_postal"
    lookup = "association__postal_code"

    def lookups(self, request, model_admin):
        def compute():
            codes = Association.objects.order_by("postal_code").values_list("postal_code", flat=True).distinct()
            return [(code, code) for code in codes]

        return _cached_per_request(request, "postal_codes", compute)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class AssociationPostalCodeFilter(PostalCodeFilter):
    lookup = "postal_code"


class RequestedQuantityFilter(admin.SimpleListFilter):
    title = gettext_lazy("ordinateurs demandés")
    parameter_name = "demandes"
    RANGES = {
        "lt10": (None, 9),
        "10-14": (10, 14),
        "15-19": (15, 19),
        "20-24": (20, 24),
        "25-30": (25, 30),
        "gt30": (31, None),
    }

    def lookups(self, request, model_admin):
        return [
            ("lt10", _("moins de 10")),
            ("10-14", _("10 à 14")),
            ("15-19", _("15 à 19")),
            ("20-24", _("20 à 24")),
            ("25-30", _("25 à 30")),
            ("gt30", _("plus de 30")),
        ]

    def queryset(self, request, queryset):
        bounds = self.RANGES.get(self.value() or "")
        if bounds is None:
            return queryset
        low, high = bounds
        if low is not None:
            queryset = queryset.filter(requested_quantity__gte=low)
        if high is not None:
            queryset = queryset.filter(requested_quantity__lte=high)
        return queryset


# Review step forms ------------------------------------------------------------------------------


class ReviewForm(TextLimitsMixin, forms.Form):
    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)


def clamp_to_campaign(application: Application, quantity: int | None) -> int:
    campaign = application.campaign
    if quantity is None:
        return campaign.min_per_association
    return max(campaign.min_per_association, min(campaign.max_per_association, quantity))


class ApproveForm(ReviewForm):
    granted = forms.IntegerField(label=gettext_lazy("Ordinateurs accordés"))
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priorité de distribution"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("1 est servie en premier. « Inchangée » garde la priorité actuelle."),
    )
    note = forms.CharField(
        label=gettext_lazy("Message à l'association"),
        required=False,
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("Facultatif : joint à l'e-mail d'acceptation et gardé dans l'historique."),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        campaign = application.campaign
        low, high = campaign.min_per_association, campaign.max_per_association
        granted = self.fields["granted"]
        granted.min_value, granted.max_value = low, high
        granted.validators += [MinValueValidator(low), MaxValueValidator(high)]
        granted.widget.attrs.update({"min": low, "max": high})
        granted.initial = clamp_to_campaign(application, application.requested_quantity)
        granted.help_text = _("Demandés : %(requested)s. Pour cette campagne : entre %(min)s et %(max)s.") % {
            "requested": application.requested_quantity if application.requested_quantity is not None else "–",
            "min": low,
            "max": high,
        }
        granted.error_messages.update(
            {
                "min_value": _("Accordez au moins %(limit_value)s ordinateurs (minimum de la campagne)."),
                "max_value": _("Accordez au plus %(limit_value)s ordinateurs (maximum de la campagne)."),
                "required": _("Indiquez le nombre d'ordinateurs accordés."),
                "invalid": _("Indiquez un nombre entier."),
            }
        )
        self.fields["priority"].choices = [
            ("", _("Inchangée (%(current)s)") % {"current": application.get_priority_display()})
        ]
        self.fields["priority"].choices += list(Application.Priority.choices)


class RejectForm(ReviewForm):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus"),
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=gettext_lazy("Obligatoire : il est envoyé à l'association et gardé dans l'historique."),
        error_messages={"required": gettext_lazy("Le motif du refus est obligatoire : il est envoyé à l'association.")},
    )


class WaitlistForm(ReviewForm):
    note = forms.CharField(
        label=gettext_lazy("Message à l'association"),
        required=False,
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("Facultatif : pourquoi la candidature attend (stock, vague suivante…)."),
    )


class RequestInfoForm(ReviewForm):
    message = forms.CharField(
        label=gettext_lazy("Question à l'association"),
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text=gettext_lazy(
            "Envoyée par e-mail et affichée dans l'espace de l'association, qui répond dans le portail."
        ),
        error_messages={"required": gettext_lazy("Écrivez la question à poser à l'association.")},
    )


class BulkRejectForm(TextLimitsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus (le même pour toutes)"),
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=gettext_lazy("Envoyé à chaque association et gardé dans l'historique de chaque candidature."),
        error_messages={
            "required": gettext_lazy("Le motif du refus est obligatoire : il est envoyé aux associations.")
        },
    )


@dataclass(frozen=True)
class ReviewStep:
    """One review step: the status it leads to, its form and the service it calls."""

    name: str
    target: str
    label: str
    title: str
    submit: str
    form_class: type[ReviewForm]
    css: str = ""

    def perform(self, *, application: Application, by, data: dict) -> Application:
        if self.target == S.APPROVED:
            return services.application_approve(
                application=application,
                granted=data["granted"],
                priority=data.get("priority"),
                note=data.get("note", ""),
                by=by,
            )
        if self.target == S.REJECTED:
            return services.application_reject(application=application, reason=data["reason"], by=by)
        if self.target == S.WAITLISTED:
            return services.application_waitlist(application=application, note=data.get("note", ""), by=by)
        if self.target == S.INFO_REQUESTED:
            return services.application_request_info(application=application, message=data["message"], by=by)
        raise AssertionError(self.target)

    def success_message(self, application: Application) -> str:
        name = application.association.legal_name
        if self.target == S.APPROVED:
            return _(
                "« %(name)s » : candidature acceptée, %(granted)s ordinateurs accordés. L'association est prévenue."
            ) % {
                "name": name,
                "granted": application.granted_quantity,
            }
        if self.target == S.REJECTED:
            return _("« %(name)s » : candidature refusée. L'association est prévenue.") % {"name": name}
        if self.target == S.WAITLISTED:
            return _("« %(name)s » : candidature mise sur liste d'attente. L'association est prévenue.") % {
                "name": name
            }
        return _("« %(name)s » : la question est envoyée à l'association.") % {"name": name}


REVIEW_STEPS: dict[str, ReviewStep] = {
    step.name: step
    for step in [
        ReviewStep(
            "approve",
            S.APPROVED,
            gettext_lazy("Accepter"),
            gettext_lazy("Accepter la candidature"),
            gettext_lazy("Accepter et prévenir l'association"),
            ApproveForm,
            "review-approve",
        ),
        ReviewStep(
            "reject",
            S.REJECTED,
            gettext_lazy("Refuser"),
            gettext_lazy("Refuser la candidature"),
            gettext_lazy("Refuser et prévenir l'association"),
            RejectForm,
            "review-reject",
        ),
        ReviewStep(
            "waitlist",
            S.WAITLISTED,
            gettext_lazy("Liste d'attente"),
            gettext_lazy("Mettre la candidature sur liste d'attente"),
            gettext_lazy("Mettre en attente et prévenir l'association"),
            WaitlistForm,
            "review-waitlist",
        ),
        ReviewStep(
            "request-info",
            S.INFO_REQUESTED,
            gettext_lazy("Demander des informations"),
            gettext_lazy("Demander des informations à l'association"),
            gettext_lazy("Envoyer la question"),
            RequestInfoForm,
            "review-info",
        ),
    ]
}


def _service_error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# Inlines -----------------------------------------------------------------------------------------


class ReadOnlyInlineMixin:
    """Rows shown for reading only: nobody adds, changes or deletes them from the admin."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApplicationEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ApplicationEvent
    verbose_name = gettext_lazy("événement")
    verbose_name_plural = gettext_lazy("historique (qui, quand, quoi)")
    fields = ("created_at", "actor_label", "kind", "from_status", "to_status", "note")
    readonly_fields = fields
    ordering = ("created_at", "pk")


class MessageInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Message
    verbose_name = gettext_lazy("message")
    verbose_name_plural = gettext_lazy("échanges avec l'association")
    fields = ("created_at", "sender", "body")
    readonly_fields = fields
    ordering = ("created_at", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description=gettext_lazy("de"))
    def sender(self, obj: Message) -> str:
        who = (obj.author.get_full_name() or obj.author.email) if obj.author else ""
        side = _("équipe de la ville") if obj.from_staff else _("association")
        return f"{who} ({side})" if who else side


class MembershipInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    """Members of an association: listed for whoever may view the association, managed by user admins."""

    model = Membership
    extra = 0
    readonly_fields = ("account", "member_since")
    autocomplete_fields = ("user",)
    verbose_name = gettext_lazy("membre")
    verbose_name_plural = gettext_lazy("membres (comptes qui agissent pour l'association)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "association")  # str(membership) names both

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj) or self.has_add_permission(request, obj):
            return ("user", "member_since")
        return ("account", "member_since")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("associations.view_association")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["label"] = _("Compte")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("compte"))
    def account(self, obj: Membership) -> str:
        return str(obj.user)

    @admin.display(description=gettext_lazy("membre depuis le"))
    def member_since(self, obj: Membership) -> str:
        return date_format(timezone.localdate(obj.created_at)) if obj.created_at else "–"


class AssociationApplicationInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Application
    fields = ("open_link", "status", "requested_quantity", "granted_quantity", "submitted_at", "decided_at")
    readonly_fields = fields
    view_on_site = False
    verbose_name = gettext_lazy("candidature")
    verbose_name_plural = gettext_lazy("candidatures")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "association")  # str(application)

    @admin.display(description=gettext_lazy("campagne"))
    def open_link(self, obj: Application):
        url = reverse("admin:associations_application_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.campaign.name)


# Applications -----------------------------------------------------------------------------------


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    change_list_template = "admin/associations/application/change_list.html"
    change_form_template = "admin/associations/application/change_form.html"
    view_on_site = False  # the association space shows an application to its members only
    list_display = (
        "association_name",
        "postal_code",
        "campaign_name",
        "status_badge",
        "requested",
        "granted",
        "priority",
        "submitted",
    )
    list_display_links = ("association_name",)
    list_editable = ("priority",)
    list_filter = (
        ("campaign", CampaignFilter),
        "status",
        MissionFilter,
        PostalCodeFilter,
        RequestedQuantityFilter,
    )
    list_select_related = ("association", "campaign")
    list_per_page = 50
    search_fields = (
        "association__legal_name",
        "association__acronym",
        "association__rna",
        "association__siret",
        "association__contact_email",
        "association__memberships__user__email",
    )
    search_help_text = gettext_lazy("Nom ou sigle de l'association, RNA, SIRET, e-mail de contact ou d'un membre.")
    ordering = (F("submitted_at").desc(nulls_last=True), "-created_at")
    actions = ("approve_selected", "reject_selected")
    inlines = (MessageInline, ApplicationEventInline)
    fieldsets = (
        (
            gettext_lazy("Association"),
            {
                "fields": (
                    "association_link",
                    "association_identifiers",
                    "association_address",
                    "association_missions",
                    "association_size",
                    "association_contact",
                    "association_description",
                )
            },
        ),
        (
            gettext_lazy("Demande"),
            {
                "fields": (
                    "campaign",
                    "requested_quantity",
                    "quantity_split",
                    "project_text",
                    "premises",
                    "premises_details",
                    "submitted_at",
                    "consent_at",
                )
            },
        ),
        (gettext_lazy("Documents"), {"fields": ("statutes_link", "activity_report_link")}),
        (
            gettext_lazy("Décision"),
            {
                "fields": ("status", "granted_quantity", "decision_reason", "decided_at", "priority"),
                "description": gettext_lazy(
                    "Le statut et la décision changent uniquement par les boutons d'instruction en haut de la page. "
                    "La priorité peut être modifiée ici."
                ),
            },
        ),
    )
    readonly_fields = (
        "association_link",
        "association_identifiers",
        "association_address",
        "association_missions",
        "association_size",
        "association_contact",
        "association_description",
        "campaign",
        "requested_quantity",
        "quantity_split",
        "project_text",
        "premises",
        "premises_details",
        "submitted_at",
        "consent_at",
        "statutes_link",
        "activity_report_link",
        "status",
        "granted_quantity",
        "decision_reason",
        "decided_at",
    )

    # Permissions: applications come from the associations; only review steps change them.

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def get_queryset(self, request):
        # A draft is the association's own work in progress: staff see it once submitted (and consented).
        qs = super().get_queryset(request).select_related("association", "campaign")
        return qs.exclude(status=Application.Status.DRAFT)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        # The campaign column says nothing when there is one campaign or the list is filtered by one.
        single = _cached_per_request(request, "campaign_count", lambda: Campaign.objects.count()) <= 1
        if single or "campaign__id__exact" in request.GET:
            columns.remove("campaign_name")
        return columns

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The mission names are shown on the page and on every review step.
            obj.association.prefetched_missions = list(obj.association.missions.all())
        return obj

    # List columns

    @admin.display(description=gettext_lazy("association"), ordering="association__legal_name")
    def association_name(self, obj: Application) -> str:
        return obj.association.legal_name

    @admin.display(description=gettext_lazy("code postal"), ordering="association__postal_code")
    def postal_code(self, obj: Application) -> str:
        return obj.association.postal_code

    @admin.display(description=gettext_lazy("campagne"), ordering="campaign__name")
    def campaign_name(self, obj: Application):
        name = obj.campaign.name
        if len(name) <= 28:
            return name
        return format_html('<span title="{}">{}…</span>', name, name[:26].rstrip())

    @admin.display(description=gettext_lazy("demandés"), ordering="requested_quantity")
    def requested(self, obj: Application):
        return obj.requested_quantity

    @admin.display(description=gettext_lazy("accordés"), ordering="granted_quantity")
    def granted(self, obj: Application):
        return obj.granted_quantity

    @admin.display(description=gettext_lazy("déposée le"), ordering="submitted_at")
    def submitted(self, obj: Application):
        if obj.submitted_at is None:
            return None
        return date_format(timezone.localdate(obj.submitted_at), "SHORT_DATE_FORMAT")

    @admin.display(description=gettext_lazy("statut"), ordering="status")
    def status_badge(self, obj: Application):
        return format_html(
            '<span class="application-status application-status--{}">{}</span>', obj.status, obj.get_status_display()
        )

    # Change page fields

    @admin.display(description=gettext_lazy("association"))
    def association_link(self, obj: Application):
        association = obj.association
        label = association.legal_name + (f" ({association.acronym})" if association.acronym else "")
        # Every role that may read applications may read associations (accounts.roles).
        url = reverse("admin:associations_association_change", args=[association.pk])
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=gettext_lazy("RNA / SIRET"))
    def association_identifiers(self, obj: Application) -> str:
        association = obj.association
        return " / ".join(x for x in (association.rna, association.siret) if x) or "–"

    @admin.display(description=gettext_lazy("adresse"))
    def association_address(self, obj: Application) -> str:
        association = obj.association
        return f"{association.address}, {association.postal_code} {association.city}"

    @admin.display(description=gettext_lazy("missions"))
    def association_missions(self, obj: Application) -> str:
        missions = getattr(obj.association, "prefetched_missions", None)
        if missions is None:
            missions = list(obj.association.missions.all())
        return ", ".join(str(m) for m in missions) or "–"

    @admin.display(description=gettext_lazy("taille"))
    def association_size(self, obj: Application) -> str:
        association = obj.association
        return _("%(beneficiaries)s personnes accompagnées par an, %(staff)s salariés, %(volunteers)s bénévoles") % {
            "beneficiaries": association.beneficiaries_per_year,
            "staff": association.staff_count,
            "volunteers": association.volunteer_count,
        }

    @admin.display(description=gettext_lazy("contact"))
    def association_contact(self, obj: Application):
        association = obj.association
        role = f" ({association.contact_role})" if association.contact_role else ""
        return format_html(
            '{}{} – <a href="mailto:{}">{}</a>{}',
            association.contact_name,
            role,
            association.contact_email,
            association.contact_email,
            f" – {association.contact_phone}" if association.contact_phone else "",
        )

    @admin.display(description=gettext_lazy("activités"))
    def association_description(self, obj: Application) -> str:
        return obj.association.description or "–"

    @admin.display(description=gettext_lazy("répartition"))
    def quantity_split(self, obj: Application) -> str:
        if obj.public_use_quantity is None and obj.admin_use_quantity is None:
            return "–"
        return _("%(public)s pour le public, %(admin)s pour le fonctionnement de l'association") % {
            "public": obj.public_use_quantity if obj.public_use_quantity is not None else "–",
            "admin": obj.admin_use_quantity if obj.admin_use_quantity is not None else "–",
        }

    @admin.display(description=gettext_lazy("projet"))
    def project_text(self, obj: Application):
        return linebreaksbr(obj.project) if obj.project else "–"

    @admin.display(description=gettext_lazy("local et internet"))
    def premises(self, obj: Application) -> str:
        return "{} ; {}".format(
            _("local disponible") if obj.has_premises else _("pas de local"),
            _("connexion internet") if obj.has_internet else _("pas de connexion internet"),
        )

    def _document_link(self, obj: Application, kind: str):
        document = getattr(obj, kind)
        if not document:
            return _("Aucun document déposé")
        url = reverse("associations:application_document", args=[obj.pk, kind])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> <span class="help">({})</span>',
            url,
            _("Ouvrir le PDF"),
            _("nouvel onglet"),
        )

    @admin.display(description=gettext_lazy("statuts"))
    def statutes_link(self, obj: Application):
        return self._document_link(obj, "statutes")

    @admin.display(description=gettext_lazy("rapport d'activité"))
    def activity_report_link(self, obj: Application):
        return self._document_link(obj, "activity_report")

    # The change page: only the priority is a form field, saved through its service.

    def save_model(self, request, obj, form, change):
        if change and "priority" in form.changed_data:
            services.application_set_priority(application=obj, priority=form.cleaned_data["priority"], by=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["review_steps"] = self.allowed_review_steps(request, obj) if obj is not None else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def allowed_review_steps(self, request, application: Application) -> list[dict]:
        if not self.has_review_permission(request, application):
            return []
        allowed = services.TRANSITIONS[application.status]
        return [
            {
                "label": step.label,
                "css": step.css,
                "url": reverse("admin:associations_application_review", args=[application.pk, step.name]),
            }
            for step in REVIEW_STEPS.values()
            if step.target in allowed
        ]

    # The change list: counts per status above the list, links that filter.

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("Candidatures"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            cl = context["cl"]
            param = "status__exact"
            # Everything the reviewer filtered or searched, except the status itself.
            status_spec = next(spec for spec in cl.filter_specs if param in spec.expected_parameters())
            without_status = cl.get_queryset(request, exclude_parameters=status_spec.expected_parameters())
            counts = application_counts_by_status(Application.objects.filter(pk__in=without_status.values("pk")))
            current = request.GET.get(param)
            context["status_counts"] = [
                {
                    **row,
                    "url": cl.get_query_string({param: row["status"]}, remove=["p"]),
                    "active": current == row["status"],
                }
                for row in counts
                if row["status"] != Application.Status.DRAFT
            ]
            context["status_total"] = {
                "count": sum(row["count"] for row in counts),
                "url": cl.get_query_string(remove=[param, "p"]),
                "active": not current,
            }
        return response

    # Review steps: a confirm page on GET, one service call on POST.

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/instruction/<str:step>/",
                self.admin_site.admin_view(self.review_view),
                name="associations_application_review",
            )
        ]
        return urls + super().get_urls()

    def review_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        review_step = REVIEW_STEPS.get(step)
        if review_step is None:
            raise Http404
        if not self.has_review_permission(request):
            raise PermissionDenied
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404(_("Cette candidature n'existe pas."))
        change_url = reverse("admin:associations_application_change", args=[application.pk])
        if review_step.target not in services.TRANSITIONS[application.status]:
            self.message_user(
                request,
                _("Impossible de passer une candidature « %(from)s » à « %(to)s ».")
                % {"from": application.get_status_display(), "to": S(review_step.target).label},
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        form = review_step.form_class(request.POST if request.method == "POST" else None, application=application)
        if request.method == "POST" and form.is_valid():
            try:
                application = review_step.perform(application=application, by=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(change_url)
            else:
                message = review_step.success_message(application)
                self.log_change(request, application, message)
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": review_step.title,
            "subtitle": application.association.legal_name,
            "step": review_step,
            "form": form,
            "application": application,
            "original": application,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/associations/application/review_step.html", context)

    @staticmethod
    def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
        fields = {"granted": "granted", "priority": "priority", "reason": "reason", "message": "message"}
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(fields.get(field) if fields.get(field) in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)

    # Bulk actions: a confirmation page, then one service call and one message per application.

    def _selected(self, queryset):
        return list(queryset.select_related("association", "campaign").order_by("association__legal_name", "pk"))

    @admin.action(description=gettext_lazy("Accepter les candidatures sélectionnées"), permissions=["review"])
    def approve_selected(self, request, queryset):
        applications = self._selected(queryset)
        plan = []
        for application in applications:
            granted = clamp_to_campaign(application, application.requested_quantity)
            allowed = S.APPROVED in services.TRANSITIONS[application.status]
            plan.append(
                {
                    "application": application,
                    "granted": granted,
                    "allowed": allowed,
                    "clamped": granted != application.requested_quantity,
                }
            )
        if request.POST.get("apply") == "yes":
            granted = {row["application"].pk: row["granted"] for row in plan}

            def approved(application: Application) -> str:
                text = _("« %(name)s » : acceptée, %(granted)s ordinateurs accordés.") % {
                    "name": application.association.legal_name,
                    "granted": application.granted_quantity,
                }
                if application.granted_quantity != application.requested_quantity:
                    requested = application.requested_quantity
                    text += " " + _("(%(requested)s demandés, ramenés aux bornes de la campagne)") % {
                        "requested": "–" if requested is None else requested
                    }
                return text

            self._for_each(
                request,
                applications,
                call=lambda application: services.application_approve(
                    application=application, granted=granted[application.pk], by=request.user
                ),
                done=approved,
                refused=_("« %(name)s » : non acceptée – %(error)s"),
            )
            return None
        return self._bulk_confirmation(
            request,
            applications,
            action="approve_selected",
            title=_("Accepter %(count)s candidatures") % {"count": len(applications)},
            template="admin/associations/application/bulk_approve.html",
            plan=plan,
        )

    @admin.action(description=gettext_lazy("Refuser les candidatures sélectionnées"), permissions=["review"])
    def reject_selected(self, request, queryset):
        applications = self._selected(queryset)
        form = BulkRejectForm(request.POST if request.POST.get("apply") == "yes" else None)
        if form.is_bound and form.is_valid():
            self._for_each(
                request,
                applications,
                call=lambda application: services.application_reject(
                    application=application, reason=form.cleaned_data["reason"], by=request.user
                ),
                done=lambda application: _("« %(name)s » : refusée.") % {"name": application.association.legal_name},
                refused=_("« %(name)s » : non refusée – %(error)s"),
            )
            return None
        plan = [{"application": a, "allowed": S.REJECTED in services.TRANSITIONS[a.status]} for a in applications]
        return self._bulk_confirmation(
            request,
            applications,
            action="reject_selected",
            title=_("Refuser %(count)s candidatures") % {"count": len(applications)},
            template="admin/associations/application/bulk_reject.html",
            plan=plan,
            form=form,
        )

    def _for_each(self, request, applications, *, call, done, refused: str) -> None:
        """One service call per application, each in its own transaction, and one message each."""
        for application in applications:
            try:
                application = call(application)
            except ValidationError as exc:
                error = _service_error_text(exc)
            except DomainError as exc:
                error = str(exc)
            else:
                message = done(application)
                self.log_change(request, application, message)
                self.message_user(request, message, messages.SUCCESS)
                continue
            name = application.association.legal_name
            self.message_user(request, refused % {"name": name, "error": error}, messages.ERROR)

    def _bulk_confirmation(self, request, applications, *, action, title, template, plan, form=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "applications": applications,
            "plan": plan,
            "allowed_count": sum(1 for row in plan if row["allowed"]),
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "changelist_url": reverse("admin:associations_application_changelist"),
            "media": self.media,
        }
        return TemplateResponse(request, template, context)


# Associations -----------------------------------------------------------------------------------


class AssociationAdminForm(forms.ModelForm):
    """Same normalisation of RNA/SIRET and same messages as the association space's form."""

    # Wider than the model: people paste numbers with spaces and dots, removed before validation.
    rna = AssociationForm.base_fields["rna"]
    siret = AssociationForm.base_fields["siret"]

    class Meta:
        model = Association
        fields = AssociationForm.Meta.fields
        widgets = {"missions": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 3})}

    clean_rna = AssociationForm.clean_rna
    clean_siret = AssociationForm.clean_siret

    def clean(self):
        data = super().clean()
        if "rna" in self.fields and "siret" in self.fields and not data.get("rna") and not data.get("siret"):
            if "rna" not in self.errors and "siret" not in self.errors:
                self.add_error("rna", _("Indiquez le numéro RNA ou le numéro SIRET de l'association."))
        return data


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    change_form_template = "admin/associations/association/change_form.html"
    form = AssociationAdminForm
    view_on_site = False  # the association space shows an association to its members only
    list_display = ("legal_name", "acronym", "rna", "siret", "postal_code", "mission_list", "member_count")
    list_filter = (AssociationMissionFilter, AssociationPostalCodeFilter)
    search_fields = (
        "legal_name",
        "acronym",
        "rna",
        "siret",
        "contact_name",
        "contact_email",
        "memberships__user__email",
    )
    search_help_text = gettext_lazy("Nom, sigle, RNA, SIRET, contact ou e-mail d'un membre.")
    ordering = ("legal_name",)
    inlines = (MembershipInline, AssociationApplicationInline)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("legal_name", "acronym", "rna", "siret")}),
        (gettext_lazy("Adresse"), {"fields": ("address", "postal_code", "city")}),
        (
            gettext_lazy("Activités"),
            {"fields": ("missions", "description", "beneficiaries_per_year", "staff_count", "volunteer_count")},
        ),
        (gettext_lazy("Contact"), {"fields": ("contact_name", "contact_role", "contact_email", "contact_phone")}),
        (gettext_lazy("Suivi"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("memberships", distinct=True))
            .prefetch_related("missions")
        )

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm("associations.view_application"):
            columns.append("application_list")
        return columns

    @admin.display(description=gettext_lazy("missions"))
    def mission_list(self, obj: Association) -> str:
        return ", ".join(str(m) for m in obj.missions.all())

    @admin.display(description=gettext_lazy("membres"), ordering="member_total")
    def member_count(self, obj: Association) -> int:
        return obj.member_total

    @admin.display(description=gettext_lazy("candidatures"))
    def application_list(self, obj: Association):
        url = reverse("admin:associations_application_changelist")
        return format_html('<a href="{}?association__id__exact={}">{}</a>', url, obj.pk, _("voir"))

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: value for name, value in form.cleaned_data.items() if name in form.fields and name != "missions"
        }
        services.association_update(
            association=obj, by=request.user, missions=list(form.cleaned_data["missions"]), **fields
        )

    def save_related(self, request, form, formsets, change):
        if not change:
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "position")
    ordering = ("position",)

    @admin.display(description=gettext_lazy("mission"))
    def label(self, obj: Mission) -> str:
        return str(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
