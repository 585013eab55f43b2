"""The campaigns' public figures: the progress page and the open data (JSON, CSV); the campaign page includes them."""

import csv
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from core.spreadsheets import neutralize_row
from impact import selectors
from impact.labels import with_labels


def labelled_stats(campaign) -> dict:
    """The cached statistics, with the labels of this request's language (the cache holds no text)."""
    return with_labels(selectors.campaign_stats(campaign))


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
    stats = labelled_stats(campaign)
    response = JsonResponse(stats, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    # The labels follow the language (the cookie set by the language switch, else Accept-Language).
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
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
