"""The review steps of an application: a table of steps, each a confirm page on GET and one service call on POST."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.admin.forms import ApproveForm, RejectForm, RequestInfoForm, ReviewForm, WaitlistForm
from associations.models import Application
from core.errors import DomainError
from core.forms import errors_to_form

S = Application.Status
REVIEW_PERMISSION = "associations.review_application"


@dataclass(frozen=True)
class ReviewStep:
    """One review step: the status it leads to, its form, the service it calls and the message once done.

    ``perform`` looks the service up when called (``services.application_approve`` may be replaced in tests);
    ``done`` is formatted with the association's ``name`` and the ``granted`` quantity.
    """

    name: str
    target: str
    label: str
    title: str
    submit: str
    form_class: type[ReviewForm]
    perform: Callable[..., Application]
    done: str
    css: str = ""

    def success_message(self, application: Application) -> str:
        return str(self.done) % {"name": application.association.legal_name, "granted": application.granted_quantity}


def _approve(*, application: Application, by, data: dict) -> Application:
    return services.application_approve(
        application=application,
        granted=data["granted"],
        priority=data.get("priority"),
        note=data.get("note", ""),
        by=by,
    )


def _reject(*, application: Application, by, data: dict) -> Application:
    return services.application_reject(application=application, reason=data["reason"], by=by)


def _waitlist(*, application: Application, by, data: dict) -> Application:
    return services.application_waitlist(application=application, note=data.get("note", ""), by=by)


def _request_info(*, application: Application, by, data: dict) -> Application:
    return services.application_request_info(application=application, message=data["message"], by=by)


REVIEW_STEPS: dict[str, ReviewStep] = {
    step.name: step
    for step in [
        ReviewStep(
            name="approve",
            target=S.APPROVED,
            label=gettext_lazy("Accepter"),
            title=gettext_lazy("Accepter la candidature"),
            submit=gettext_lazy("Accepter et prévenir l'association"),
            form_class=ApproveForm,
            perform=_approve,
            done=gettext_lazy(
                "« %(name)s » : candidature acceptée, %(granted)s ordinateurs accordés. L'association est prévenue."
            ),
            css="review-approve",
        ),
        ReviewStep(
            name="reject",
            target=S.REJECTED,
            label=gettext_lazy("Refuser"),
            title=gettext_lazy("Refuser la candidature"),
            submit=gettext_lazy("Refuser et prévenir l'association"),
            form_class=RejectForm,
            perform=_reject,
            done=gettext_lazy("« %(name)s » : candidature refusée. L'association est prévenue."),
            css="review-reject",
        ),
        ReviewStep(
            name="waitlist",
            target=S.WAITLISTED,
            label=gettext_lazy("Liste d'attente"),
            title=gettext_lazy("Mettre la candidature sur liste d'attente"),
            submit=gettext_lazy("Mettre en attente et prévenir l'association"),
            form_class=WaitlistForm,
            perform=_waitlist,
            done=gettext_lazy("« %(name)s » : candidature mise sur liste d'attente. L'association est prévenue."),
            css="review-waitlist",
        ),
        ReviewStep(
            name="request-info",
            target=S.INFO_REQUESTED,
            label=gettext_lazy("Demander des informations"),
            title=gettext_lazy("Demander des informations à l'association"),
            submit=gettext_lazy("Envoyer la question"),
            form_class=RequestInfoForm,
            perform=_request_info,
            done=gettext_lazy("« %(name)s » : la question est envoyée à l'association."),
            css="review-info",
        ),
    ]
}


# Where a service's errors are shown on a step's form; any other field's errors go above the form.
ERROR_FIELDS = ("granted", "priority", "reason", "message")


class ReviewStepsMixin:
    """For ApplicationAdmin: the buttons of the allowed steps on the change page, and the step pages."""

    def has_review_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

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
                errors_to_form(form, exc, ERROR_FIELDS)
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
