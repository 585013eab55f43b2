"""The « plan this wave » page and its confirmation: a confirm page on GET, one service call per POST."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.scoping import scoped_for_request
from core.admin_helpers import admin_pages
from core.errors import DomainError
from core.forms import errors_to_form
from donations import selectors, services
from donations.admin.forms import AddLineForm, PlanLinesForm
from donations.models import Wave


def plan_url(wave: Wave) -> str:
    return reverse("admin:donations_wave_plan", args=[wave.pk])


@dataclass
class _PlanPost:
    """What a refused POST leaves for the page to show again: the errors, and what was typed."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    lines: PlanLinesForm | None = None
    add_form: AddLineForm | None = None
    status: int = 200


class WavePlanMixin:
    """For WaveAdmin: the plan page (compute, edit, add a line) and the confirmation page."""

    def has_plan_permission(self, request, obj=None):
        return request.user.has_perm("donations.plan_wave")

    def get_urls(self):
        pages = [
            ("<path:object_id>/plan/", self.plan_view, "donations_wave_plan"),
            ("<path:object_id>/plan/confirm/", self.confirm_view, "donations_wave_plan_confirm"),
        ]
        return admin_pages(self, pages) + super().get_urls()

    def _get_wave(self, request, object_id) -> Wave:
        wave = get_object_or_404(scoped_for_request(Wave.objects.select_related("campaign"), request), pk=object_id)
        if not self.has_view_permission(request, wave):
            raise PermissionDenied
        return wave

    # The plan page: each form of the page posts its ``action``, handled by one method below.

    def plan_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        wave = self._get_wave(request, object_id)
        can_plan = self.has_plan_permission(request, wave)
        post = _PlanPost()
        if request.method == "POST":
            if not can_plan:
                raise PermissionDenied
            handle: Callable | None = self.PLAN_ACTIONS.get(request.POST.get("action"))
            if handle is None:
                return HttpResponse(status=400)
            try:
                response = handle(self, request, wave, post)
            except ValidationError as exc:
                post.status = 400
                if hasattr(exc, "error_dict"):
                    post.errors = exc.message_dict
                    if post.add_form is not None:
                        errors_to_form(post.add_form, exc)
                else:
                    post.errors = {"__all__": exc.messages}
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(plan_url(wave))
            else:
                if response is not None:
                    return response
                post.status = 400
            wave.refresh_from_db()
        return self._plan_page(request, wave, can_plan, post)

    def _plan_compute(self, request, wave: Wave, post: _PlanPost) -> HttpResponse:
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
        return HttpResponseRedirect(plan_url(wave))

    def _plan_save(self, request, wave: Wave, post: _PlanPost) -> HttpResponse | None:
        post.lines = PlanLinesForm(request.POST)
        if not post.lines.is_valid():
            return HttpResponse(status=400)
        changes = services.wave_edit_plan(
            wave=wave, by=request.user, quantities=post.lines.quantities(), remove=post.lines.removed()
        )
        if changes:
            self.message_user(
                request, _("Proposition modifiée : %(changes)s.") % {"changes": " ; ".join(changes)}, messages.SUCCESS
            )
        else:
            self.message_user(request, _("Aucune modification."), messages.INFO)
        return HttpResponseRedirect(plan_url(wave))

    def _plan_add(self, request, wave: Wave, post: _PlanPost) -> HttpResponse | None:
        from associations.models import Application

        post.add_form = AddLineForm(request.POST, candidates=selectors.wave_plan_view(wave).addable)
        if not post.add_form.is_valid():
            return None
        application = get_object_or_404(
            scoped_for_request(Application.objects.all(), request), pk=post.add_form.cleaned_data["application"]
        )
        allocation = services.wave_add_application(
            wave=wave, application=application, quantity=post.add_form.cleaned_data["quantity"], by=request.user
        )
        self.message_user(
            request,
            _("%(association)s ajoutée à la proposition (%(quantity)s).")
            % {"association": application.association, "quantity": allocation.quantity},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(plan_url(wave))

    PLAN_ACTIONS = {"plan": _plan_compute, "save": _plan_save, "add": _plan_add}

    def _plan_page(self, request, wave: Wave, can_plan: bool, post: _PlanPost) -> TemplateResponse:
        view = selectors.wave_plan_view(wave)
        add_form = post.add_form or AddLineForm(candidates=view.addable, initial={"quantity": view.floor})
        removed = post.lines.removed() if post.lines is not None else set()
        rows = [
            {
                "row": row,
                "value": post.lines.typed(row.allocation.pk, row.allocation.quantity)
                if post.lines is not None
                else row.allocation.quantity,
                "removed": row.allocation.pk in removed,
                "errors": post.errors.get(f"quantity_{row.allocation.pk}", []),
            }
            for row in view.rows
        ]
        context = {
            **self._wave_page_context(request, wave),
            "title": (_("Planifier : %(wave)s") if wave.is_editable else _("Attribution : %(wave)s")) % {"wave": wave},
            "view": view,
            "rows": rows,
            "errors": post.errors.get("__all__", []),
            "add_form": add_form,
            "can_plan": can_plan and wave.is_editable,
            "has_errors": bool(post.errors) or bool(add_form.errors),
            "events": wave.events.order_by("-created_at", "-pk")[:10],
        }
        return TemplateResponse(request, "admin/donations/wave/plan.html", context, status=post.status)

    def _wave_page_context(self, request, wave: Wave) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": wave,
            "wave": wave,
        }

    # The confirmation page.

    def confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        wave = self._get_wave(request, object_id)
        if not self.has_plan_permission(request, wave):
            raise PermissionDenied
        if request.method == "POST":
            try:
                result = services.wave_confirm(wave=wave, by=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return redirect(plan_url(wave))
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
            return redirect(plan_url(wave))
        context = {
            **self._wave_page_context(request, wave),
            "title": _("Confirmer : %(wave)s") % {"wave": wave},
            "view": selectors.wave_plan_view(wave),
        }
        return TemplateResponse(request, "admin/donations/wave/plan_confirm.html", context)
