"""The review steps of an application: a table of steps, each a confirm page on GET and one service call on POST."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import services
from associations.admin.forms import (
    ApproveForm,
    ChangeGrantForm,
    MessageForm,
    RejectForm,
    ReopenForm,
    RequestInfoForm,
    ReviewForm,
    WaitlistForm,
)
from associations.models import Application
from associations.selectors import answer_received, campaign_grants
from core.admin_helpers import admin_pages
from core.errors import DomainError
from core.forms import errors_to_form

S = Application.Status
REVIEW_PERMISSION = "associations.review_application"


def approve_notes(application: Application) -> dict:
    """What the reviewer should know before granting: what is left in the campaign, a request under the minimum."""
    campaign = application.campaign
    requested = application.requested_quantity
    return {
        "grants": campaign_grants(campaign),
        "below_minimum": requested is not None and requested < campaign.min_per_association,
        "minimum": campaign.min_per_association,
    }


@dataclass(frozen=True)
class ReviewStep:
    """One review step: when it is offered, its form, the service it calls and the message once done.

    ``target`` is the status it leads to (None: the status does not change); ``available`` says from which
    statuses it is offered (by default: where ``Application.TRANSITIONS`` allows ``target``). A ``decision``
    step then opens the next application waiting in the reviewer's list. ``perform`` looks the service up when
    called (``services.application_approve`` may be replaced in tests); ``done`` is formatted with the
    association's ``name`` and the ``granted`` quantity.
    """

    name: str
    target: str | None
    label: str
    title: str
    submit: str
    form_class: type[ReviewForm]
    perform: Callable[..., Application]
    done: str
    css: str = ""
    decision: bool = True
    available: Callable[[Application], bool] | None = None

    def success_message(self, application: Application) -> str:
        return str(self.done) % {"name": application.association.legal_name, "granted": application.granted_quantity}

    def offered(self, application: Application) -> bool:
        if self.available is not None:
            return self.available(application)
        return self.target in services.TRANSITIONS[application.status]


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


def _message(*, application: Application, by, data: dict) -> Application:
    return services.application_message(application=application, body=data["message"], by=by)


def _change_grant(*, application: Application, by, data: dict) -> Application:
    return services.application_change_grant(
        application=application, granted=data["granted"], reason=data["reason"], by=by
    )


def _reopen(*, application: Application, by, data: dict) -> Application:
    return services.application_reopen(application=application, reason=data["reason"], by=by)


def _is_approved(application: Application) -> bool:
    return application.status == S.APPROVED


def _thread_open(application: Application) -> bool:
    # The association may write at every stage once it has sent its application: so may the team.
    return application.status != S.DRAFT


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
        ReviewStep(
            name="message",
            target=None,
            label=gettext_lazy("Écrire à l'association"),
            title=gettext_lazy("Écrire à l'association (le statut ne change pas)"),
            submit=gettext_lazy("Envoyer le message"),
            form_class=MessageForm,
            perform=_message,
            done=gettext_lazy("« %(name)s » : le message est envoyé à l'association."),
            css="review-message",
            decision=False,
            available=_thread_open,
        ),
        ReviewStep(
            name="change-grant",
            target=None,
            label=gettext_lazy("Corriger la quantité accordée"),
            title=gettext_lazy("Corriger la quantité accordée"),
            submit=gettext_lazy("Corriger et prévenir l'association"),
            form_class=ChangeGrantForm,
            perform=_change_grant,
            done=gettext_lazy("« %(name)s » : %(granted)s ordinateurs accordés désormais. L'association est prévenue."),
            css="review-correct",
            decision=False,
            available=_is_approved,
        ),
        ReviewStep(
            name="reopen",
            target=S.SUBMITTED,
            label=gettext_lazy("Rouvrir la décision"),
            title=gettext_lazy("Rouvrir la décision : la candidature revient à l'examen"),
            submit=gettext_lazy("Rouvrir et prévenir l'association"),
            form_class=ReopenForm,
            perform=_reopen,
            done=gettext_lazy("« %(name)s » : la décision est rouverte, la candidature revient à l'examen."),
            css="review-correct",
            decision=False,
            available=_is_approved,
        ),
    ]
}


# Where a service's errors are shown on a step's form; any other field's errors go above the form.
ERROR_FIELDS = ("granted", "priority", "reason", "message")


class ReviewStepsMixin:
    """For ApplicationAdmin: the buttons of the allowed steps on the change page, and the step pages.

    The list's filters travel with the reviewer (``_changelist_filters``, as Django's change pages keep them):
    after a decision, the next application waiting in that same list opens.
    """

    def has_review_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def _with_filters(self, request, url: str) -> str:
        preserved = self.get_preserved_filters(request)
        return f"{url}?{preserved}" if preserved else url

    def _step_url(self, request, application: Application, step: str) -> str:
        return self._with_filters(
            request, reverse("admin:associations_application_review", args=[application.pk, step])
        )

    def allowed_review_steps(self, request, application: Application) -> list[dict]:
        if not self.has_review_permission(request, application):
            return []
        return [
            {
                "name": step.name,
                "label": step.label,
                "css": step.css,
                "url": self._step_url(request, application, step.name),
            }
            for step in REVIEW_STEPS.values()
            if step.offered(application)
        ]

    def review_context(self, request, application: Application) -> dict:
        """What the change page shows above the form: the steps, the answer received, a one-click approval."""
        steps = self.allowed_review_steps(request, application)
        context = {"review_steps": steps, "answer": answer_received(application)}
        if any(step["name"] == "approve" for step in steps):
            context["quick_approve"] = {
                "form": ApproveForm(application=application),
                "url": self._step_url(request, application, "approve"),
                **approve_notes(application),
            }
        return context

    def get_urls(self):
        pages = [
            ("<path:object_id>/instruction/<str:step>/", self.review_view, "associations_application_review"),
        ]
        return admin_pages(self, pages) + super().get_urls()

    def next_in_list(self, request, application: Application) -> Application | None:
        """The next application waiting for a decision in the list the reviewer came from (its filters, its order)."""
        from associations.admin.filters import StatusFilter

        listing = copy.copy(request)
        listing.method = "GET"
        listing.GET = QueryDict(request.GET.get("_changelist_filters", ""))
        try:
            changelist = self.get_changelist_instance(listing)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup):
            listing.GET = QueryDict("")
            changelist = self.get_changelist_instance(listing)
        spec = next((s for s in changelist.filter_specs if isinstance(s, StatusFilter)), None)
        shown = spec.value() if spec is not None else S.SUBMITTED
        waiting = [shown] if shown in (S.SUBMITTED, S.WAITLISTED) else list(Application.PENDING_REVIEW_STATUSES)
        return changelist.queryset.filter(status__in=waiting).exclude(pk=application.pk).first()

    def _after_decision(self, request, application: Application, message: str) -> HttpResponse:
        following = self.next_in_list(request, application)
        if following is None:
            self.message_user(
                request, message + " " + _("Plus aucune candidature n'attend dans cette liste."), messages.SUCCESS
            )
            filters = request.GET.get("_changelist_filters", "")
            changelist = reverse("admin:associations_application_changelist")
            return HttpResponseRedirect(f"{changelist}?{filters}" if filters else changelist)
        self.message_user(
            request,
            message + " " + _("Voici la candidature suivante de votre liste."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            self._with_filters(request, reverse("admin:associations_application_change", args=[following.pk]))
        )

    def review_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        review_step = REVIEW_STEPS.get(step)
        if review_step is None:
            raise Http404
        if not self.has_review_permission(request):
            raise PermissionDenied
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404(_("Cette candidature n'existe pas."))
        change_url = self._with_filters(
            request, reverse("admin:associations_application_change", args=[application.pk])
        )
        if not review_step.offered(application):
            target = S(review_step.target).label if review_step.target else review_step.label
            self.message_user(
                request,
                _("Impossible de passer une candidature « %(from)s » à « %(to)s ».")
                % {"from": application.get_status_display(), "to": target},
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
                if review_step.decision:
                    return self._after_decision(request, application, message)
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
            "answer": answer_received(application),
            "media": self.media + form.media,
        }
        if review_step.name in ("approve", "change-grant"):
            context.update(approve_notes(application))
        return TemplateResponse(request, "admin/associations/application/review_step.html", context)
