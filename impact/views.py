import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.models import Campaign
from core.errors import DomainError
from core.spreadsheets import neutralize_row
from impact import selectors, services
from impact.forms import ImpactReportForm


def labelled_stats(campaign) -> dict:
    """The cached statistics, with the labels of this request's language (the cache holds no text)."""
    stats = selectors.campaign_stats(campaign)
    labels = {
        "pledged": _("Promis par les donateurs"),
        "received": _("Reçus des donateurs"),
        "ready": _("Prêts ou réservés"),
        "handed_over": _("Remis aux associations"),
    }
    return {**stats, "funnel": [{**row, "label": labels[row["key"]]} for row in stats["funnel"]]}


def progress_context(campaign) -> dict:
    """What ``impact/_campaign_progress.html`` needs: include it with this context on the campaign page."""
    return {"campaign": campaign, "impact_stats": labelled_stats(campaign)}


@require_GET
def campaign_progress(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.public(), slug=slug)
    return render(request, "impact/campaign_progress.html", progress_context(campaign))


@require_GET
@cache_control(public=True, max_age=300)
def campaign_stats_json(request: HttpRequest, slug: str) -> JsonResponse:
    campaign = get_object_or_404(Campaign.objects.public(), slug=slug)
    stats = selectors.campaign_stats(campaign)
    response = JsonResponse(stats, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@cache_control(public=True, max_age=300)
def campaign_stats_csv(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.public(), slug=slug)
    stats = selectors.campaign_stats(campaign)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-stats.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    writer = csv.writer(response)
    writer.writerow(["section", "key", "group", "value"])
    for row in selectors.stats_rows(stats):
        writer.writerow(neutralize_row(row))
    return response


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
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
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
