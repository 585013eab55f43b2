"""The campaigns' public figures: the progress page and the open data (JSON, CSV); the campaign page includes them."""

import csv
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from core.spreadsheets import neutralize_row
from donations.models import Wave
from impact import selectors


def wave_labels(stats: dict) -> dict:
    """The statistics with each wave's label and status in this request's language (the cache is shared by
    both languages; an entry cached before the status codes were kept keeps its labels)."""
    waves = []
    for wave in stats.get("waves", []):
        if "status_code" in wave:
            label = _("Lot final") if wave["final_lot"] else _("Vague %(number)s") % {"number": wave["number"]}
            wave = {
                **wave,
                "label": f"{label} – {wave['name']}" if wave["name"] else str(label),
                "status": str(Wave.Status(wave["status_code"]).label),
            }
        waves.append(wave)
    return {**stats, "waves": waves}


def labelled_stats(campaign) -> dict:
    """The cached statistics, with the labels of this request's language (the cache holds no text)."""
    stats = wave_labels(selectors.campaign_stats(campaign))
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
    stats = wave_labels(selectors.campaign_stats(campaign))
    response = JsonResponse(stats, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# ?format=excel: the variant French Excel opens by a double click (";" between columns, decimal comma).
EXCEL_VARIANT = "excel"


def _excel_value(value):
    return str(value).replace(".", ",") if isinstance(value, float | Decimal) else value


@require_GET
@cache_control(public=True, max_age=300)
def campaign_stats_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The figures as CSV, UTF-8 with a byte order mark (Excel then reads the accents right); commas between
    columns and decimal points, or, with ``?format=excel``, semicolons and decimal commas."""
    campaign = get_object_or_404(Campaign.objects.public(), slug=slug)
    stats = selectors.campaign_stats(campaign)
    excel = request.GET.get("format") == EXCEL_VARIANT
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{campaign.slug}-stats{'-excel' if excel else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";" if excel else ",")
    writer.writerow(["section", "key", "group", "value"])
    for row in selectors.stats_rows(stats):
        row = neutralize_row(row)
        writer.writerow([_excel_value(value) for value in row] if excel else row)
    return response
