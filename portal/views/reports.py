"""The association's impact reports in its space: the list, and filing one (draft, then sent)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.forms import errors_to_form, service_applied
from impact import selectors, services
from impact.forms import ImpactReportForm, ReopenRequestForm


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    reports = list(selectors.reports_for_user(request.user))
    for report in reports:
        report.overdue = report.is_overdue(today)
    to_file = [r for r in reports if r.is_editable]
    sent = [r for r in reports if not r.is_editable]
    return render(request, "impact/report_list.html", {"to_file": to_file, "sent": sent, "today": today})


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(selectors.report_for_user(request.user, pk))
    form = None
    if report.is_editable:
        form = ImpactReportForm(request.POST or None, report=report)
        if request.method == "POST" and form.is_valid():
            submit = "submit" in request.POST
            if service_applied(
                form,
                services.impact_report_save,
                report=report,
                by=request.user,
                submit=submit,
                **form.service_fields(),
            ):
                if submit:
                    messages.success(request, _("Merci ! Votre bilan est envoyé à l'équipe de la campagne."))
                    return redirect("impact:reports")
                messages.success(request, _("Brouillon enregistré. Vous pourrez l'envoyer plus tard."))
                return redirect(report)
    elif request.method == "POST":
        messages.info(request, _("Ce bilan est déjà envoyé : il ne peut plus être modifié."))
        return redirect(report)
    return _report_page(request, report, form=form)


def _report_page(request: HttpRequest, report, *, form=None, reopen_form=None) -> HttpResponse:
    if reopen_form is None and report.can_request_reopen:
        reopen_form = ReopenRequestForm()
    return render(
        request,
        "impact/report_form.html",
        {
            "report": report,
            "form": form,
            "reopen_form": reopen_form if report.can_request_reopen else None,
            "overdue": report.is_overdue(),
            "events": list(report.events.all()),
        },
    )


@login_required
@require_POST
def report_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The association asks to correct a report it sent: staff accept (it is reopened) or refuse."""
    report = get_object_or_404(selectors.report_for_user(request.user, pk))
    form = ReopenRequestForm(request.POST)
    if form.is_valid():
        try:
            services.impact_report_request_reopen(report=report, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        except DomainError as exc:  # not sent, or a request already made: the report's page says where it is
            messages.error(request, str(exc))
            return redirect(report)
        else:
            messages.success(
                request,
                _(
                    "Votre demande de correction est envoyée à l'équipe de la campagne : "
                    "vous recevrez sa réponse par e-mail."
                ),
            )
            return redirect(report)
    return _report_page(request, report, reopen_form=form)
