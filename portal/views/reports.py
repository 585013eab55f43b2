"""The association's impact reports in its space: the list, and filing one (draft, then sent)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.forms import errors_to_form
from impact import selectors, services
from impact.forms import ImpactReportForm


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
            try:
                services.impact_report_save(report=report, by=request.user, submit=submit, **form.service_fields())
            except ValidationError as exc:
                errors_to_form(form, exc)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                if submit:
                    messages.success(request, _("Merci ! Votre bilan est envoyé à l'équipe de la campagne."))
                    return redirect("impact:reports")
                messages.success(request, _("Brouillon enregistré. Vous pourrez l'envoyer plus tard."))
                return redirect(report)
    elif request.method == "POST":
        messages.info(request, _("Ce bilan est déjà envoyé : il ne peut plus être modifié."))
        return redirect(report)
    return render(
        request,
        "impact/report_form.html",
        {"report": report, "form": form, "overdue": report.is_overdue(), "events": list(report.events.all())},
    )
