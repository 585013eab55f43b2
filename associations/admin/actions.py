"""Bulk review actions of the applications list: a confirmation page, then one service call per application."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.admin.forms import BulkRejectForm, BulkRequestInfoForm, BulkWaitlistForm, clamp_to_campaign
from associations.models import Application
from core.errors import DomainError

S = Application.Status


def _service_error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _granted_from(application: Application, typed: str) -> tuple[int | None, str]:
    """The quantity typed on a row of the bulk approval, and its error (empty when it is within the bounds)."""
    campaign = application.campaign
    try:
        granted = int(typed.strip())
    except ValueError:
        return None, _("Indiquez un nombre entier.")
    if not campaign.min_per_association <= granted <= campaign.max_per_association:
        return granted, _("Entre %(min)s et %(max)s pour cette campagne.") % {
            "min": campaign.min_per_association,
            "max": campaign.max_per_association,
        }
    return granted, ""


class BulkReviewActionsMixin:
    """For ApplicationAdmin: accept or refuse the selected applications, one message each."""

    def _selected(self, queryset):
        return list(queryset.select_related("association", "campaign").order_by("association__legal_name", "pk"))

    @admin.action(description=gettext_lazy("Accepter les candidatures sélectionnées"), permissions=["review"])
    def approve_selected(self, request, queryset):
        applications = self._selected(queryset)
        applying = request.POST.get("apply") == "yes"
        plan, errors = [], 0
        for application in applications:
            proposed = clamp_to_campaign(application, application.requested_quantity)
            allowed = S.APPROVED in services.TRANSITIONS[application.status]
            row = {"application": application, "granted": proposed, "allowed": allowed, "error": ""}
            row["clamped"] = proposed != application.requested_quantity
            typed = request.POST.get(f"granted-{application.pk}") if applying else None
            if allowed and typed is not None:
                row["granted"], row["error"] = _granted_from(application, typed)
                errors += bool(row["error"])
            plan.append(row)
        if applying and not errors:
            granted = {row["application"].pk: row["granted"] for row in plan}

            def approved(application: Application) -> str:
                text = _("« %(name)s » : acceptée, %(granted)s ordinateurs accordés.") % {
                    "name": application.association.legal_name,
                    "granted": application.granted_quantity,
                }
                if application.granted_quantity != application.requested_quantity:
                    requested = application.requested_quantity
                    text += " " + _("(%(requested)s demandés)") % {"requested": "–" if requested is None else requested}
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
            errors=errors,
        )

    @admin.action(
        description=gettext_lazy("Mettre sur liste d'attente les candidatures sélectionnées"), permissions=["review"]
    )
    def waitlist_selected(self, request, queryset):
        return self._bulk_with_form(
            request,
            queryset,
            form_class=BulkWaitlistForm,
            target=S.WAITLISTED,
            action="waitlist_selected",
            title=_("Mettre %(count)s candidatures sur liste d'attente"),
            call=lambda application, data: services.application_waitlist(
                application=application, note=data["note"], by=request.user
            ),
            done=_("« %(name)s » : sur liste d'attente."),
            refused=_("« %(name)s » : non mise en attente – %(error)s"),
        )

    @admin.action(
        description=gettext_lazy("Demander des informations aux associations sélectionnées"), permissions=["review"]
    )
    def request_info_selected(self, request, queryset):
        return self._bulk_with_form(
            request,
            queryset,
            form_class=BulkRequestInfoForm,
            target=S.INFO_REQUESTED,
            action="request_info_selected",
            title=_("Poser une question à %(count)s associations"),
            call=lambda application, data: services.application_request_info(
                application=application, message=data["message"], by=request.user
            ),
            done=_("« %(name)s » : la question est envoyée."),
            refused=_("« %(name)s » : question non envoyée – %(error)s"),
        )

    @admin.action(description=gettext_lazy("M'attribuer les candidatures sélectionnées"), permissions=["review"])
    def assign_to_me(self, request, queryset):
        self._for_each(
            request,
            self._selected(queryset),
            call=lambda application: services.application_assign(
                application=application, reviewer=request.user, by=request.user
            ),
            done=lambda application: (
                _("« %(name)s » : vous instruisez cette candidature.") % {"name": application.association.legal_name}
            ),
            refused=_("« %(name)s » : non attribuée – %(error)s"),
        )

    def _bulk_with_form(
        self,
        request,
        queryset,
        *,
        form_class,
        target,
        action,
        title,
        call,
        done,
        refused,
        template="admin/associations/application/bulk_text.html",
    ):
        """A bulk step with one text for all: the confirmation page with its form, then one service call each."""
        applications = self._selected(queryset)
        form = form_class(request.POST if request.POST.get("apply") == "yes" else None)
        if form.is_bound and form.is_valid():
            self._for_each(
                request,
                applications,
                call=lambda application: call(application, form.cleaned_data),
                done=lambda application: done % {"name": application.association.legal_name},
                refused=refused,
            )
            return None
        plan = [{"application": a, "allowed": target in services.TRANSITIONS[a.status]} for a in applications]
        return self._bulk_confirmation(
            request,
            applications,
            action=action,
            title=title % {"count": len(applications)},
            template=template,
            plan=plan,
            form=form,
            outcome=Application.Status(target).label,
        )

    @admin.action(description=gettext_lazy("Refuser les candidatures sélectionnées"), permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._bulk_with_form(
            request,
            queryset,
            form_class=BulkRejectForm,
            target=S.REJECTED,
            action="reject_selected",
            title=_("Refuser %(count)s candidatures"),
            call=lambda application, data: services.application_reject(
                application=application, reason=data["reason"], by=request.user
            ),
            done=_("« %(name)s » : refusée."),
            refused=_("« %(name)s » : non refusée – %(error)s"),
            template="admin/associations/application/bulk_reject.html",
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

    def _bulk_confirmation(self, request, applications, *, action, title, template, plan, form=None, **extra):
        context = {
            **extra,
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
