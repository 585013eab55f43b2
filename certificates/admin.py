"""The print desk: per wave, the certificates with their state, « generate all », « print all »,
« print one », the retry button, and recording the signed handover at the counter. Thin: every
write calls a service; reads go through selectors.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns.scoping import OrganiserScopedAdmin, scoped_for_request
from certificates import selectors, services
from certificates.forms import RecordHandoverForm
from certificates.models import Handover, HandoverEvent
from certificates.pdf import merge_pdfs
from core.admin_helpers import HistoryInline, ReadOnlyPermissionsMixin
from core.errors import DomainError
from core.files import open_or_404
from core.forms import service_applied
from donations.models import Allocation

S = Handover.State


def _read(field) -> bytes:
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


class HandoverEventInline(HistoryInline):
    model = HandoverEvent


@admin.register(Handover)
class HandoverAdmin(OrganiserScopedAdmin, ReadOnlyPermissionsMixin, admin.ModelAdmin):
    organiser_path = "wave__campaign__organiser"
    list_display = ("number", "association", "wave", "state_label", "signed", "pages", "updated_at")
    list_filter = ("state", ("wave", admin.RelatedOnlyFieldListFilter), ("signed_at", admin.EmptyFieldListFilter))
    list_select_related = ("allocation__application__association", "wave__campaign")
    search_fields = ("number", "allocation__application__association__legal_name")
    ordering = ("wave", "sequence")
    inlines = [HandoverEventInline]
    actions = ["generate_selected"]
    fieldsets = (
        (None, {"fields": ("number", "allocation", "state_label", "error", "attempts", "documents", "verify_link")}),
        (
            gettext_lazy("Remise signée"),
            {
                "fields": (
                    "handed_over_on",
                    "representative_name",
                    "operator_name",
                    "handed_over_count",
                    "refusal_note",
                    "signed_at",
                    "emailed_at",
                )
            },
        ),
        (
            gettext_lazy("Empreintes"),
            {"fields": ("pdf_sha256", "signed_pdf_sha256", "queued_at", "render_started_at", "rendered_at")},
        ),
    )
    readonly_fields = tuple(flatten_fieldsets(fieldsets))

    # Permissions (ReadOnlyPermissionsMixin): certificates come from confirmed allocations and are never
    # deleted; the page is read-only, and the desk's buttons check their own permission.

    def has_generate_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("certificates.change_handover")

    def has_record_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("certificates.record_handover")

    # List ---------------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("association"), ordering="allocation__application__association__legal_name")
    def association(self, obj):
        return obj.allocation.application.association.legal_name

    @admin.display(description=gettext_lazy("génération"), ordering="state")
    def state_label(self, obj):
        label = format_html('<span class="cert-state cert-{}">{}</span>', obj.state, obj.get_state_display())
        wait = selectors.waiting_label(obj.state, obj.queued_at, obj.render_started_at)
        return format_html('{}<br><span class="cert-wait">{}</span>', label, wait) if wait else label

    @admin.display(description=gettext_lazy("signée"), boolean=True, ordering="signed_at")
    def signed(self, obj):
        return obj.is_signed

    @admin.display(description=gettext_lazy("pages"))
    def pages(self, obj):
        """The pages of the document handed out (the signed one once there is one). A certificate recorded before its
        first render has no unsigned PDF (``page_count`` stays 0): « — », or « en cours » while it renders."""
        count = obj.signed_page_count if obj.signed_pdf else obj.page_count if obj.pdf else 0
        if count:
            return count
        return _("en cours") if obj.state in (S.PENDING, S.RENDERING) else "—"

    @admin.display(description=gettext_lazy("documents"))
    def documents(self, obj):
        links = []
        if obj.pdf:
            links.append(
                (reverse("admin:certificates_handover_pdf", args=[obj.pk]) + "?version=unsigned", _("à signer"))
            )
        if obj.signed_pdf:
            links.append((reverse("admin:certificates_handover_pdf", args=[obj.pk]), _("signée")))
        if not links:
            return "–"
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description=gettext_lazy("page publique de vérification"))
    def verify_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_verify_url(), obj.verification_url)

    def changelist_view(self, request, extra_context=None):
        extra = {"desk_waves": list(selectors.desk_waves(user=request.user)), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    @admin.action(description=gettext_lazy("Générer les attestations sélectionnées"), permissions=["generate"])
    def generate_selected(self, request, queryset):
        failed = queued = 0
        for handover in queryset.filter(state=S.FAILED).order_by("pk"):
            try:
                services.handover_retry(handover=handover, by=request.user)
                queued += 1
            except DomainError as exc:
                failed += 1
                self.message_user(request, f"{handover.number} : {exc}", messages.ERROR)
        waiting = list(queryset.filter(state=S.PENDING).values_list("pk", flat=True))
        services.queue_renders(waiting)
        queued += len(waiting)
        self.message_user(
            request,
            ngettext("%(n)s attestation mise en génération.", "%(n)s attestations mises en génération.", queued)
            % {"n": queued},
            messages.SUCCESS if not failed else messages.WARNING,
        )

    # The print desk -----------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("desk/", view(self.desk_index_view), name="certificates_handover_desk_index"),
            path("desk/<int:wave_id>/", view(self.desk_view), name="certificates_handover_desk"),
            path("desk/<int:wave_id>/progress/", view(self.progress_view), name="certificates_handover_progress"),
            path("desk/<int:wave_id>/generate/", view(self.generate_view), name="certificates_handover_generate"),
            path("desk/<int:wave_id>/print/", view(self.print_view), name="certificates_handover_print"),
            path("<int:object_id>/pdf/", view(self.pdf_view), name="certificates_handover_pdf"),
            path("<int:object_id>/retry/", view(self.retry_view), name="certificates_handover_retry"),
            path("<int:object_id>/record/", view(self.record_view), name="certificates_handover_record"),
            *super().get_urls(),
        ]

    def _check_view(self, request) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _wave(self, request, wave_id: int):
        from donations.models import Wave

        self._check_view(request)
        return get_object_or_404(scoped_for_request(Wave.objects.select_related("campaign"), request), pk=wave_id)

    def _context(self, request, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            # The desk works on a tablet: the app menu would take a third of the screen; the breadcrumbs stay.
            "is_nav_sidebar_enabled": False,
            **extra,
        }

    def desk_index_view(self, request: HttpRequest) -> HttpResponse:
        self._check_view(request)
        context = self._context(
            request, title=_("Guichet d'impression"), waves=list(selectors.desk_waves(user=request.user))
        )
        return TemplateResponse(request, "admin/certificates/handover/desk_index.html", context)

    def desk_view(self, request: HttpRequest, wave_id: int) -> HttpResponse:
        wave = self._wave(request, wave_id)
        desk = selectors.desk(wave, day=request.GET.get("day"))
        context = self._context(
            request,
            title=_("Guichet d'impression : %(wave)s") % {"wave": wave},
            wave=wave,
            desk=desk,
            counts=desk.counts,
            next_row=desk.next_row,
            today=timezone.localdate(),
            can_generate=self.has_generate_permission(request),
            can_record=self.has_record_permission(request),
        )
        return TemplateResponse(request, "admin/certificates/handover/desk.html", context)

    def progress_view(self, request: HttpRequest, wave_id: int) -> JsonResponse:
        wave = self._wave(request, wave_id)
        return JsonResponse(selectors.wave_progress(wave))

    def generate_view(self, request: HttpRequest, wave_id: int) -> HttpResponse:
        wave = self._wave(request, wave_id)
        if request.method != "POST":
            return redirect("admin:certificates_handover_desk", wave_id=wave.pk)
        if not self.has_generate_permission(request):
            raise PermissionDenied
        result = services.handovers_generate_for_wave(wave=wave, by=request.user)
        if result.queued:
            self.message_user(
                request,
                ngettext(
                    "%(n)s attestation mise en génération : la barre de progression suit leur avancement.",
                    "%(n)s attestations mises en génération : la barre de progression suit leur avancement.",
                    result.queued,
                )
                % {"n": result.queued},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("Toutes les attestations sont déjà prêtes ou en cours."), messages.INFO)
        return redirect("admin:certificates_handover_desk", wave_id=wave.pk)

    def print_view(self, request: HttpRequest, wave_id: int) -> HttpResponse:
        """« Print all »: one PDF of the wave's certificates, in appointment order.

        The certificate is « fait en deux exemplaires »: by default each certificate comes twice in a row
        (``?copies=1`` for one), so that the two copies of an association stay together in the tray, in
        appointment order (the printer's own « 2 copies » would print the whole wave twice, to sort by hand).
        ``?sides=2`` (recto verso, the default) ends each copy with a blank page when it has an odd number of
        pages, so that two copies never share a sheet; ``?sides=1`` for a printer without duplex.
        """
        wave = self._wave(request, wave_id)
        handovers = selectors.handovers_to_print(wave)
        not_ready = [h for h in handovers if not (h.state == S.READY and h.document)]
        if not handovers or not_ready:
            self.message_user(
                request,
                ngettext(
                    "%(n)s attestation n'est pas encore prête : générez-la d'abord, puis imprimez.",
                    "%(n)s attestations ne sont pas encore prêtes : générez-les d'abord, puis imprimez.",
                    len(not_ready),
                )
                % {"n": len(not_ready)}
                if not_ready
                else _("Aucune attestation dans cette vague."),
                messages.ERROR,
            )
            return redirect("admin:certificates_handover_desk", wave_id=wave.pk)
        copies = 1 if request.GET.get("copies") == "1" else 2
        duplex = request.GET.get("sides") != "1"
        merged = merge_pdfs([_read(h.document) for h in handovers], copies=copies, pad_to_even=duplex)
        response = HttpResponse(merged, content_type="application/pdf")
        suffix = "-2-exemplaires" if copies == 2 else ""
        response["Content-Disposition"] = (
            f'inline; filename="attestations-{wave.campaign.slug}-vague-{wave.number}{suffix}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def pdf_view(self, request: HttpRequest, object_id: int) -> FileResponse:
        """« Print one »: the signed certificate when there is one, else the certificate to sign."""
        self._check_view(request)
        handover = self.scoped_object_or_404(request, Handover.objects.all(), object_id)
        document = handover.pdf if request.GET.get("version") == "unsigned" else handover.document
        handle = open_or_404(document)
        suffix = "-signee" if document == handover.signed_pdf else ""
        return FileResponse(
            handle, content_type="application/pdf", filename=f"attestation-{handover.number}{suffix}.pdf"
        )

    def retry_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        self._check_view(request)
        handover = self.scoped_object_or_404(request, Handover.objects.all(), object_id)
        if request.method != "POST":
            return redirect("admin:certificates_handover_desk", wave_id=handover.wave_id)
        if not self.has_generate_permission(request):
            raise PermissionDenied
        try:
            services.handover_retry(handover=handover, by=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request, _("%(number)s : nouvelle génération demandée.") % {"number": handover.number}, messages.SUCCESS
            )
        return redirect("admin:certificates_handover_desk", wave_id=handover.wave_id)

    def record_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Recording the signed handover at the counter: signatures on screen, or the paper scan."""
        from donations.models import AllocationUnit

        self._check_view(request)
        if not self.has_record_permission(request):
            raise PermissionDenied
        handover = self.scoped_object_or_404(
            request,
            Handover.objects.select_related("allocation__application__association", "wave__campaign"),
            object_id,
        )
        desk_url = reverse("admin:certificates_handover_desk", args=[handover.wave_id])
        if handover.is_signed:
            self.message_user(request, _("La remise de %(number)s est déjà enregistrée.") % {"number": handover.number})
            return redirect(desk_url)
        if handover.allocation.status != Allocation.Status.CONFIRMED:
            self.message_user(
                request,
                _("L'attribution est « %(status)s » : la remise ne peut pas être enregistrée.")
                % {"status": handover.allocation.get_status_display()},
                messages.ERROR,
            )
            return redirect(desk_url)
        units = [
            link.computer
            for link in AllocationUnit.objects.filter(allocation=handover.allocation, released_at__isnull=True)
            .select_related("computer")
            .order_by("computer__asset_tag")
        ]
        association = handover.allocation.application.association
        form = RecordHandoverForm(
            request.POST or None,
            request.FILES or None,
            units=units,
            initial={"representative_name": association.contact_name},
        )
        status = 200
        if request.method == "POST":
            status = 400
            # A lambda: decoding the pads' images (service_arguments) may be refused too.
            if form.is_valid() and service_applied(
                form, lambda: services.handover_record(handover=handover, by=request.user, **form.service_arguments())
            ):
                self.message_user(
                    request,
                    _("Remise enregistrée pour %(association)s : l'attestation signée est en préparation.")
                    % {"association": association.legal_name},
                    messages.SUCCESS,
                )
                # Straight on to the next appointment to record (the page names its association, with
                # « Retour au guichet » when someone else stands at the counter); the desk when all are done.
                following = selectors.desk(handover.wave).next_after(handover.pk)
                if following is not None:
                    return redirect(
                        reverse("admin:certificates_handover_record", args=[following.handover.pk]) + "?after=1"
                    )
                return redirect(desk_url)
        appointment = handover.allocation.appointment_date
        context = self._context(
            request,
            title=_("Enregistrer la remise : %(association)s") % {"association": association.legal_name},
            early=bool(appointment and appointment > timezone.localdate()) or "confirm_early" in form.errors,
            next_row=selectors.desk(handover.wave).next_after(handover.pk),
            after_record=request.GET.get("after") == "1",
            handover=handover,
            allocation=handover.allocation,
            association=association,
            wave=handover.wave,
            form=form,
            units=units,
            media=self.media + form.media,
        )
        return TemplateResponse(request, "admin/certificates/handover/record.html", context, status=status)
