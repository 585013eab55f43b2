"""CSV and XLSX exports of applications, allocations, handovers (one row per unit) and impact reports.

Each export is filtered exactly like its admin list: the request's GET parameters (filters,
search, ordering) go through that model's ``ModelAdmin.get_changelist_instance``, so that the
link "export this list" carries the querystring of the list on screen. Rows are read with
``select_related`` / ``prefetch_related`` and streamed out in chunks, never one query per row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import scope_to_user
from core.spreadsheets import neutralize_row

EXPORT_PERMISSION = "impact.export_data"
FORMATS = ("csv", "xlsx")


def _d(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    model_label: str
    columns: tuple[str, ...]
    rows: Callable[[Iterable], Iterable[list]]
    prepare: Callable  # queryset -> queryset with what the rows need

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_label)


def _application_rows(qs):
    for a in qs.iterator(chunk_size=2000):
        yield [
            a.pk,
            a.campaign.name,
            a.association.legal_name,
            a.association.rna,
            a.association.siret,
            a.association.postal_code,
            a.get_status_display(),
            a.requested_quantity,
            a.granted_quantity,
            a.priority,
            _d(a.submitted_at),
            _d(a.decided_at),
        ]


def _allocation_rows(qs):
    for a in qs.iterator(chunk_size=2000):
        yield [
            a.pk,
            a.wave.campaign.name,
            str(a.wave),
            a.application.association.legal_name,
            a.application.association.postal_code,
            a.quantity,
            a.get_status_display(),
            _d(a.appointment_date),
            a.appointment_place,
            _d(a.confirmed_at),
            _d(a.handed_over_at),
            a.reason,
        ]


def _handover_rows(qs):
    # One row per unit handed over, with its serial: the prefetch keeps this to a few queries per chunk.
    for h in qs:
        units = [link.computer for link in h.allocation.units.all() if link.released_at is None] or [None]
        for c in units:
            yield [
                h.number,
                str(h.wave),
                h.allocation.application.association.legal_name,
                _d(h.handed_over_on),
                h.representative_name,
                _("oui") if h.signed_at else _("non"),
                c.asset_tag if c else "",
                c.serial_number if c else "",
                f"{c.manufacturer} {c.model}" if c else "",
                c.get_status_display() if c else "",
            ]


def _report_rows(qs):
    from impact.models import COUNT_FIELDS

    for r in qs.iterator(chunk_size=2000):
        yield [
            r.pk,
            r.campaign.name,
            r.association.legal_name,
            r.association.postal_code,
            _d(r.period_start),
            _d(r.period_end),
            _d(r.due_on),
            r.get_status_display(),
            _d(r.submitted_at),
            float(r.workshop_hours),
            r.machines_received,
            *[getattr(r, name) for name in COUNT_FIELDS],
            r.comment,
        ]


def _report_columns() -> tuple[str, ...]:
    from impact.models import COUNT_FIELDS

    return (
        "id",
        "campagne",
        "association",
        "code_postal",
        "debut_periode",
        "fin_periode",
        "echeance",
        "statut",
        "envoye_le",
        "heures_atelier",
        "ordinateurs_recus",
        *COUNT_FIELDS,
        "commentaire",
    )


DATASETS: dict[str, Dataset] = {
    "applications": Dataset(
        "applications",
        gettext_lazy("Candidatures"),
        "associations.Application",
        (
            "id",
            "campagne",
            "association",
            "rna",
            "siret",
            "code_postal",
            "statut",
            "demandes",
            "accordes",
            "priorite",
            "deposee_le",
            "decidee_le",
        ),
        _application_rows,
        lambda qs: qs.select_related("campaign", "association"),
    ),
    "allocations": Dataset(
        "allocations",
        gettext_lazy("Attributions"),
        "donations.Allocation",
        (
            "id",
            "campagne",
            "vague",
            "association",
            "code_postal",
            "quantite",
            "statut",
            "rendez_vous",
            "lieu",
            "confirmee_le",
            "remise_le",
            "calcul",
        ),
        _allocation_rows,
        lambda qs: qs.select_related("wave__campaign", "application__association"),
    ),
    "handovers": Dataset(
        "handovers",
        gettext_lazy("Remises (numéros de série)"),
        "certificates.Handover",
        (
            "attestation",
            "vague",
            "association",
            "date_remise",
            "representant",
            "signee",
            "etiquette",
            "numero_serie",
            "modele",
            "statut_ordinateur",
        ),
        _handover_rows,
        lambda qs: qs.select_related("wave", "allocation__application__association").prefetch_related(
            "allocation__units__computer"
        ),
    ),
    "reports": Dataset(
        "reports",
        gettext_lazy("Bilans d'impact"),
        "impact.ImpactReport",
        _report_columns(),
        _report_rows,
        lambda qs: qs.select_related("campaign", "association"),
    ),
}


def available_datasets(user) -> list[Dataset]:
    """The exports ``user`` may download: the export permission and the right to view that list."""
    from django.apps import apps

    if not user.has_perm(EXPORT_PERMISSION):
        return []
    out = []
    for dataset in DATASETS.values():
        try:
            model = dataset.model
        except LookupError:  # the certificates app is not installed
            continue
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}") and apps.is_installed(
            model._meta.app_config.name
        ):
            out.append(dataset)
    return out


def filtered_queryset(request: HttpRequest, dataset: Dataset):
    """The dataset's rows as its admin list shows them for these GET parameters."""
    model = dataset.model
    model_admin = admin.site._registry.get(model)
    if model_admin is None:  # no list to follow: still only the rows of the user's organisers
        return dataset.prepare(scope_to_user(model._default_manager.all(), request.user))
    get = request.GET.copy()
    for name in ("format", "_export"):
        get.pop(name, None)
    # A list may open on a default filter (the applications: those waiting for review); an export asked for
    # without that filter (the dashboard's links) is of every row.
    for name, value in getattr(model_admin, "export_defaults", {}).items():
        get.setdefault(name, value)
    original = request.GET
    request.GET = get
    try:
        changelist = model_admin.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
    except IncorrectLookupParameters:
        queryset = model._default_manager.none()
    finally:
        request.GET = original
    return dataset.prepare(queryset)


def write_csv(dataset: Dataset, queryset) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(neutralize_row(dataset.columns))
    for row in dataset.rows(queryset):
        writer.writerow(neutralize_row(row))
    return buffer.getvalue().encode("utf-8")


def write_xlsx(dataset: Dataset, queryset) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = str(dataset.title)[:31]
    sheet.append(neutralize_row(dataset.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dataset.rows(queryset):
        sheet.append(neutralize_row(row))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    dataset = DATASETS.get(key)
    if dataset is None or fmt not in FORMATS:
        from django.http import Http404

        raise Http404
    if dataset not in available_datasets(request.user):
        raise PermissionDenied
    queryset = filtered_queryset(request, dataset)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(write_csv(dataset, queryset), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            write_xlsx(dataset, queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{key}-{stamp}.{fmt}"'
    return response
