"""Applications in the admin: the list with its counts per status, the change page, review steps and actions."""

from django.contrib import admin
from django.db.models import F
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.admin.actions import BulkReviewActionsMixin
from associations.admin.filters import (
    AnswerFilter,
    AssignedFilter,
    CampaignFilter,
    MissionFilter,
    PostalCodeFilter,
    RequestedQuantityFilter,
    StatusFilter,
)
from associations.admin.inlines import ApplicationEventInline, MessageInline
from associations.admin.review import ReviewStepsMixin
from associations.models import Application
from associations.selectors import application_counts_by_status, reviewers
from campaigns.models import Campaign
from campaigns.scoping import OrganiserScopedAdmin
from core.admin_helpers import cached_per_request

ASSOCIATION_FIELDS = (
    "association_link",
    "association_identifiers",
    "association_address",
    "association_missions",
    "association_size",
    "association_contact",
    "association_description",
)
REQUEST_FIELDS = (
    "campaign",
    "requested_quantity",
    "quantity_split",
    "project_text",
    "premises",
    "premises_details",
    "submitted_at",
    "consent_at",
)
DOCUMENT_FIELDS = ("statutes_link", "activity_report_link")
DECISION_FIELDS = ("status", "granted_quantity", "decision_reason", "decided_at")


@admin.register(Application)
class ApplicationAdmin(OrganiserScopedAdmin, ReviewStepsMixin, BulkReviewActionsMixin, admin.ModelAdmin):
    organiser_path = "campaign__organiser"
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
        "reviewer",
    )
    list_display_links = ("association_name",)
    list_editable = ("priority",)
    list_filter = (
        StatusFilter,
        AssignedFilter,
        AnswerFilter,
        ("campaign", CampaignFilter),
        MissionFilter,
        PostalCodeFilter,
        RequestedQuantityFilter,
    )
    list_select_related = ("association", "campaign", "assigned_to")
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
    # The list opens on the applications waiting for review; an export without a status is of all of them.
    export_defaults = {StatusFilter.parameter_name: StatusFilter.ALL}
    # Oldest first: the review queue is served in the order the applications arrived.
    ordering = (F("submitted_at").asc(nulls_last=True), "created_at", "pk")
    actions = ("approve_selected", "reject_selected", "waitlist_selected", "request_info_selected", "assign_to_me")
    inlines = (MessageInline, ApplicationEventInline)
    fieldsets = (
        (gettext_lazy("Association"), {"fields": ASSOCIATION_FIELDS}),
        (gettext_lazy("Demande"), {"fields": REQUEST_FIELDS}),
        (gettext_lazy("Documents"), {"fields": DOCUMENT_FIELDS}),
        (
            gettext_lazy("Décision"),
            {
                "fields": (*DECISION_FIELDS, "priority", "assigned_to"),
                "description": gettext_lazy(
                    "Le statut et la décision changent uniquement par les boutons d'instruction en haut de la page. "
                    "La priorité et la personne qui instruit peuvent être modifiées ici."
                ),
            },
        ),
    )
    # Only the priority is edited on the page.
    readonly_fields = (*ASSOCIATION_FIELDS, *REQUEST_FIELDS, *DOCUMENT_FIELDS, *DECISION_FIELDS)

    # Permissions: applications come from the associations; only review steps change them.

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A draft is the association's own work in progress: staff see it once submitted (and consented).
        qs = super().get_queryset(request).select_related("association", "campaign", "assigned_to")
        return qs.exclude(status=Application.Status.DRAFT)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = reviewers()
            kwargs["label"] = _("Instruite par")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        # The campaign column says nothing when there is one campaign or the list is filtered by one.
        single = cached_per_request(request, "campaign_count", lambda: Campaign.objects.count()) <= 1
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

    def answer(self, obj: Application):
        """« réponse reçue », under the status in the list (a column of its own would be empty most of the time)."""
        if obj.answer_received_at is None:
            return ""
        return format_html(
            '<span class="answer-flag" title="{}">{}</span>',
            _("reçue le %(date)s")
            % {"date": date_format(timezone.localtime(obj.answer_received_at), "SHORT_DATE_FORMAT")},
            _("réponse reçue"),
        )

    @admin.display(description=gettext_lazy("instruite par"), ordering="assigned_to__email")
    def reviewer(self, obj: Application) -> str:
        person = obj.assigned_to
        if person is None:
            return "–"
        return person.get_full_name() or person.email

    @admin.display(description=gettext_lazy("statut"), ordering="status")
    def status_badge(self, obj: Application):
        return format_html(
            '<span class="application-status application-status--{}">{}</span>{}',
            obj.status,
            obj.get_status_display(),
            format_html(" {}", self.answer(obj)) if obj.answer_received_at else "",
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
        if change and "assigned_to" in form.changed_data:
            services.application_assign(application=obj, reviewer=form.cleaned_data["assigned_to"], by=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.review_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The change list: counts per status above the list, links that filter.

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("Candidatures"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            cl = context["cl"]
            param = StatusFilter.parameter_name
            # Everything the reviewer filtered or searched, except the status itself.
            status_spec = next(spec for spec in cl.filter_specs if param in spec.expected_parameters())
            without_status = cl.get_queryset(request, exclude_parameters=status_spec.expected_parameters())
            counts = application_counts_by_status(Application.objects.filter(pk__in=without_status.values("pk")))
            current = status_spec.value()
            # The export links export what the list shows, its default status included.
            shown = request.GET.copy()
            shown[param] = current
            context["export_query"] = shown.urlencode()
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
                "url": cl.get_query_string({param: StatusFilter.ALL}, remove=["p"]),
                "active": current == StatusFilter.ALL,
            }
        return response
