from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import GLOBAL, OrganiserScopedAdmin, ScopedRelatedFieldListFilter, scoped_for_request
from core.admin_helpers import HistoryInline, JournalInline, ReadOnlyInlineMixin, ReadOnlyPermissionsMixin, admin_pages
from core.errors import DomainError
from core.files import open_or_404
from core.forms import DecimalNumberField
from impact import donor_documents, exports, receipts, selectors, services
from impact.forms import ReopenDecisionForm, ReturnForm
from impact.labels import with_labels
from impact.models import (
    CampaignReporting,
    DonorDocument,
    DonorDocumentEvent,
    ImpactReminder,
    ImpactReport,
    ImpactReportEvent,
    LotValuation,
    Receipt,
    ReceiptEligibility,
    ReceiptEvent,
)
from inventory.models import Lot

REVIEW_PERMISSION = "impact.review_impactreport"


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("échéance")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return (("overdue", _("En retard")), ("open", _("À rendre")))

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "open":
            return queryset.open()
        return queryset


class EventInline(HistoryInline):
    model = ImpactReportEvent


class ReminderInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ImpactReminder
    fields = ("kind", "sent_at", "recipients")


@admin.register(ImpactReport)
class ImpactReportAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "campaign__organiser"
    list_display = (
        "association",
        "campaign",
        "period",
        "due_on",
        "status_label",
        "people_trained",
        "workshops_held",
        "machines_received",
    )
    list_filter = ("status", OverdueFilter, ("campaign", ScopedRelatedFieldListFilter), "association__postal_code")
    list_select_related = ("association", "campaign")
    search_fields = ("association__legal_name", "association__rna")
    date_hierarchy = "due_on"
    ordering = ("due_on", "pk")
    inlines = (EventInline, ReminderInline)
    actions = ("accept_selected",)
    change_form_template = "admin/impact/impactreport/change_form.html"
    change_list_template = "admin/impact/impactreport/change_list.html"
    fieldsets = (
        (None, {"fields": ("campaign", "association", "allocation", "period_start", "period_end", "due_on", "status")}),
        (
            gettext_lazy("Ateliers"),
            {"fields": ("workshops_held", "workshop_hours", "people_trained")},
        ),
        (
            gettext_lazy("Répartitions (anonymes)"),
            {
                "fields": (
                    ("age_under_26", "age_26_59", "age_60_74", "age_75_plus"),
                    ("gender_women", "gender_men", "gender_other"),
                    ("situation_job_seekers", "situation_seniors", "situation_young_out_of_school"),
                )
            },
        ),
        (
            gettext_lazy("Ordinateurs"),
            {"fields": ("machines_received", "machines_in_use", "machines_out_of_order", "machines_lent")},
        ),
        (None, {"fields": ("comment", "return_message", "reopen_reason", "submitted_at", "accepted_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Figures are the association's: staff return a report for correction, they never rewrite it.
        return [f.name for f in ImpactReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("période"), ordering="period_start")
    def period(self, obj):
        return obj.period_label

    @admin.display(description=gettext_lazy("statut"), ordering="status")
    def status_label(self, obj):
        if obj.is_overdue():
            return format_html("<strong>{}</strong> ({})", obj.get_status_display(), _("en retard"))
        return obj.get_status_display()

    @admin.action(description=gettext_lazy("Valider les bilans sélectionnés"), permissions=["review"])
    def accept_selected(self, request, queryset):
        for report in queryset.select_related("association", "campaign"):
            try:
                services.impact_report_accept(report=report, by=request.user)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{report} : {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(report)s : validé.") % {"report": report}, messages.SUCCESS)

    def has_review_permission(self, request):
        return request.user.has_perm(REVIEW_PERMISSION)

    def get_urls(self):
        pages = [
            ("<int:pk>/return/", self.return_view, "impact_impactreport_return"),
            ("<int:pk>/accept/", self.accept_view, "impact_impactreport_accept"),
            ("<int:pk>/reopen/", self.reopen_view, "impact_impactreport_reopen"),
            ("overdue/", self.overdue_view, "impact_impactreport_overdue"),
            ("dashboard/", self.dashboard_view, "impact_dashboard"),
            ("dashboard/<int:campaign_id>/", self.dashboard_view, "impact_dashboard_campaign"),
            ("export/<str:key>.<str:fmt>", self.export_view, "impact_export"),
        ]
        return admin_pages(self, pages) + super().get_urls()

    def _report(self, request, pk):
        if not self.has_review_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            scoped_for_request(ImpactReport.objects.select_related("association", "campaign"), request), pk=pk
        )

    def _decide(self, request, report, form, done, service, **arguments):
        """A review step's POST: ``service(report=report, by=request.user, **arguments)``, then ``done`` said on the
        report's page. A refused message is shown on the form (None: the step's page again); any other refusal is
        said on the report's page."""
        try:
            service(report=report, by=request.user, **arguments)
        except ValidationError as exc:
            form.add_error("message", exc.messages)
            return None
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done)
        return redirect("admin:impact_impactreport_change", report.pk)

    def return_view(self, request, pk):
        report = self._report(request, pk)
        form = ReturnForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decided = self._decide(
                request,
                report,
                form,
                _("Le bilan est renvoyé à l'association pour correction."),
                services.impact_report_return,
                message=form.cleaned_data["message"],
            )
            if decided is not None:
                return decided
        return self._report_page(request, "return", _("Renvoyer le bilan pour correction"), report=report, form=form)

    def accept_view(self, request, pk):
        report = self._report(request, pk)
        if request.method != "POST":
            return redirect("admin:impact_impactreport_change", report.pk)
        try:
            services.impact_report_accept(report=report, by=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("Le bilan est validé."))
        return redirect("admin:impact_impactreport_change", report.pk)

    def reopen_view(self, request, pk):
        """The association asked to correct a report it sent: staff reopen it or refuse (confirm page, then POST)."""
        report = self._report(request, pk)
        form = ReopenDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            message = form.cleaned_data["message"]
            if form.cleaned_data["decision"] == ReopenDecisionForm.ACCEPT:
                done = _("Le bilan est rouvert : l'association peut le corriger et le renvoyer.")
                decided = self._decide(request, report, form, done, services.impact_report_reopen_accept, note=message)
            else:
                done = _("La correction est refusée : le bilan reste tel qu'il a été envoyé.")
                decided = self._decide(
                    request, report, form, done, services.impact_report_reopen_refuse, message=message
                )
            if decided is not None:
                return decided
        return self._report_page(
            request,
            "reopen",
            _("Demande de correction d'un bilan"),
            report=report,
            form=form,
            pending=report.status == ImpactReport.Status.REOPEN_REQUESTED,
        )

    def _report_page(self, request, page: str, title: str, **context):
        """One of the report's own admin pages (templates/admin/impact/impactreport/<page>.html)."""
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **context}
        return TemplateResponse(request, f"admin/impact/impactreport/{page}.html", context)

    def overdue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._report_page(
            request,
            "overdue",
            _("Bilans en retard"),
            reports=list(scoped_for_request(selectors.overdue_reports(), request)[:500]),
            today=timezone.localdate(),
        )

    def dashboard_view(self, request, campaign_id=None):
        from campaigns.models import Campaign

        if not self.has_view_permission(request):
            raise PermissionDenied
        campaigns = list(
            scoped_for_request(Campaign.objects.all(), request, "organiser").order_by("-applications_open_on", "name")
        )
        if campaign_id is None:
            if not campaigns:
                campaign = None
            else:
                campaign = campaigns[0]
        else:
            campaign = next((c for c in campaigns if c.pk == campaign_id), None)
            if campaign is None:
                from django.http import Http404

                raise Http404
        labels = {
            "applications": _("Candidatures déposées"),
            "approved": _("Acceptées"),
            "allocated": _("Associations avec une attribution"),
            "handed_over": _("Associations équipées"),
        }
        dashboard = selectors.campaign_dashboard(campaign) if campaign else None
        if dashboard:
            dashboard["stats"] = with_labels(dashboard["stats"])
            dashboard["funnel"] = [{**row, "label": labels[row["key"]]} for row in dashboard["funnel"]]
            from inventory.models import Computer

            dashboard["stock_rows"] = [
                {"label": label, "value": dashboard["stats"]["stock"].get(value, 0)}
                for value, label in Computer.Status.choices
            ]
            top = max((r["value"] for r in dashboard["stock_rows"]), default=0)
            for row in dashboard["stock_rows"]:
                row["bar"] = round(100 * row["value"] / top) if top else 0
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Tableau de bord de la campagne"),
            "campaign": campaign,
            "campaigns": campaigns,
            "dashboard": dashboard,
            "exports": exports.available_datasets(request.user),
        }
        return TemplateResponse(request, "admin/impact/dashboard.html", context)

    def export_view(self, request, key, fmt):
        return exports.export_response(request, key, fmt)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": request.user.has_perm(exports.EXPORT_PERMISSION),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_review": self.has_review_permission(request),
            # Every field is read-only: staff return or accept a report, they never rewrite it.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CampaignReporting)
class CampaignReportingAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "campaign__organiser"
    list_display = ("campaign", "period_months", "starts_on", "grace_days", "remind_days_before", "remind_days_after")
    list_select_related = ("campaign",)

    def has_delete_permission(self, request, obj=None):
        return False


# Donor documents (traceability reports, reuse attestations) -------------------------------------------------------


class DonorDocumentEventInline(JournalInline):
    model = DonorDocumentEvent
    fields = ("created_at", "actor_label", "change_label", "note")


@admin.register(DonorDocument)
class DonorDocumentAdmin(ReadOnlyPermissionsMixin, OrganiserScopedAdmin, admin.ModelAdmin):
    """Read-only: documents are asked for in the donor space or from a lot's page, and rendered by the worker."""

    organiser_path = "organiser"
    list_display = ("created_at", "kind", "donor", "subject", "status", "page_count", "download")
    list_filter = ("kind", "status")
    list_select_related = ("donor", "lot", "campaign")
    search_fields = ("donor__name", "lot__reference", "campaign__name")
    fields = (
        "kind",
        "donor",
        "lot",
        "campaign",
        "year",
        "organiser",
        "status",
        "download",
        "page_count",
        "sha256",
        "created_at",
        "rendered_at",
        "attempts",
        "error",
    )
    inlines = [DonorDocumentEventInline]

    @admin.display(description=gettext_lazy("objet"))
    def subject(self, document):
        return document.subject_label

    @admin.display(description=gettext_lazy("PDF"))
    def download(self, document):
        if not document.is_ready:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:impact_donordocument_pdf", args=[document.pk]), _("Ouvrir")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/pdf/", view(self.pdf_view), name="impact_donordocument_pdf"),
            path("lot/<int:lot_id>/traceability/", view(self.lot_request_view), name="impact_donordocument_lot"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, object_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(self.get_queryset(request), pk=object_id, status=DonorDocument.Status.READY)
        response = FileResponse(
            open_or_404(document.file), content_type="application/pdf", filename=f"{document.kind}-{document.pk}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def lot_request_view(self, request, lot_id: int):
        """POST from a lot's page: the stock team of the lot's organiser asks for its traceability report."""
        if request.method != "POST":
            return redirect("admin:inventory_lot_change", lot_id)
        if not request.user.has_perm("impact.add_donordocument"):
            raise PermissionDenied
        lots = scoped_for_request(Lot.objects.select_related("donor"), request, "organiser")  # acting: own organisers
        lot = get_object_or_404(lots, pk=lot_id)
        try:
            donor_documents.traceability_report_request(donor=lot.donor, lot=lot, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request, _("Rapport de traçabilité demandé : il apparaîtra sous le lot dès qu'il est prêt.")
            )
        return redirect("admin:inventory_lot_change", lot.pk)


# In-kind gift receipts ----------------------------------------------------------------------------------------


class ReceiptEventInline(HistoryInline):
    model = ReceiptEvent


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyPermissionsMixin, OrganiserScopedAdmin, admin.ModelAdmin):
    """Issued by the associations in their space: staff read them, their yearly totals and their PDFs."""

    organiser_path = "computers__lot__organiser"
    list_display = ("number_display", "association", "donor", "year", "status", "unit_count", "total_value", "state")
    list_filter = ("status", "year", "state")
    search_fields = ("number", "association__legal_name", "donor__name")
    list_select_related = ("association", "donor")
    change_list_template = "admin/impact/receipt/change_list.html"
    inlines = [ReceiptEventInline]
    fields = (
        "association",
        "donor",
        "year",
        "status",
        "number",
        "unit_count",
        "total_value",
        "issued_by_name",
        "issued_at",
        "cancelled_at",
        "cancel_reason",
        "state",
        "error",
        "pdf_link",
    )

    @admin.display(description=gettext_lazy("numéro"), ordering="sequence")
    def number_display(self, receipt):
        return receipt.number or "—"

    @admin.display(description=gettext_lazy("reçu (PDF)"))
    def pdf_link(self, receipt):
        if not receipt.pdf:
            return "—"
        url = reverse("admin:impact_receipt_pdf", args=[receipt.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def get_urls(self):
        pdf = self.admin_site.admin_view(self.pdf_view)
        return [path("<int:pk>/pdf/", pdf, name="impact_receipt_pdf"), *super().get_urls()]

    def pdf_view(self, request, pk: int):
        """The receipt's PDF, for staff who may view it (scoped: another organiser's receipt is a 404)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        receipt = get_object_or_404(self.get_queryset(request).exclude(pdf=""), pk=pk)
        response = FileResponse(open_or_404(receipt.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="recu-fiscal-{receipt.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    def changelist_view(self, request, extra_context=None):
        from impact.receipt_selectors import yearly_totals

        totals = yearly_totals(self.get_queryset(request))
        return super().changelist_view(request, {**(extra_context or {}), "yearly_totals": totals})


@admin.register(ReceiptEligibility)
class ReceiptEligibilityAdmin(ReadOnlyPermissionsMixin, OrganiserScopedAdmin, admin.ModelAdmin):
    """Declared by each association in its space (associations are national): read-only here."""

    organiser_path = GLOBAL
    list_display = ("association", "basis", "declared_by_name", "declared_at", "withdrawn_at")
    list_select_related = ("association",)
    search_fields = ("association__legal_name",)
    fields = ("association", "basis", "declared_by_name", "declared_at", "withdrawn_by_name", "withdrawn_at")


class LotValuationForm(forms.ModelForm):
    unit_value = DecimalNumberField(
        label=gettext_lazy("valeur déclarée par ordinateur (€)"),
        error_messages={"invalid": gettext_lazy("Indiquez une valeur en euros, par exemple 120 ou 12,50.")},
    )

    class Meta:
        model = LotValuation
        fields = ("lot", "unit_value")

    def clean_unit_value(self):
        # The service's own check (negative, absurd, more than two decimals), shown next to the field.
        try:
            return receipts.clean_unit_value(self.cleaned_data["unit_value"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["unit_value"]) from None


@admin.register(LotValuation)
class LotValuationAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    """The value per unit a donor declared for its lot, recorded by the stock team on the donor's behalf."""

    organiser_path = "lot__organiser"
    form = LotValuationForm
    list_display = ("lot", "donor", "unit_value", "declared_by_name", "declared_at")
    list_select_related = ("lot__donor",)
    search_fields = ("lot__reference", "lot__donor__name")
    autocomplete_fields = ("lot",)
    readonly_fields = ("declared_by_name", "declared_at")

    @admin.display(description=gettext_lazy("donateur"), ordering="lot__donor__name")
    def donor(self, valuation):
        return valuation.lot.donor

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "lot") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = receipts.lot_valuation_declare(lot=obj.lot, unit_value=form.cleaned_data["unit_value"], by=request.user)
        obj.pk, obj.declared_at, obj.declared_by_name = saved.pk, saved.declared_at, saved.declared_by_name
