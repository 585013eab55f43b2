"""Labels of the public statistics, in the language of the request.

The statistics are cached as codes and numbers (``impact.selectors.campaign_stats``), shared by every
language; the labels are added per request, beside the codes, which stay the stable keys of the open data.
"""

from django.utils.translation import get_language, gettext_lazy

from campaigns.models import ANONYMOUS_DONOR
from donations.models import Wave
from inventory.models import Computer

FUNNEL_LABELS = {
    "pledged": gettext_lazy("Promis par les donateurs"),
    "received": gettext_lazy("Reçus des donateurs"),
    "ready": gettext_lazy("Prêts ou réservés"),
    "handed_over": gettext_lazy("Remis aux associations"),
}
IMPACT_LABELS = {
    "reports": gettext_lazy("Bilans comptés"),
    "associations": gettext_lazy("Associations ayant rendu un bilan"),
    "workshops_held": gettext_lazy("Ateliers tenus"),
    "people_trained": gettext_lazy("Personnes formées"),
    "age_60_74": gettext_lazy("dont 60 à 74 ans"),
    "age_75_plus": gettext_lazy("dont 75 ans et plus"),
    "age_60_plus": gettext_lazy("dont 60 ans et plus"),
    "job_seekers": gettext_lazy("dont demandeurs d'emploi"),
    "young_out_of_school": gettext_lazy("dont jeunes sortis du système scolaire"),
    "women": gettext_lazy("dont femmes"),
    "workshop_hours": gettext_lazy("Heures d'atelier"),
}


def _wave_label(row: dict) -> str:
    return str(Wave(number=row["number"], is_final_lot=row["final_lot"], name=row["name"]))


def with_labels(stats: dict) -> dict:
    """``stats`` (codes and numbers only, as cached) with the labels of the current language beside the codes:
    ``{"status": "distributing", "status_label": "Remises en cours"}``. The codes never change with the language."""
    wave_statuses = dict(Wave.Status.choices)
    stock_statuses = dict(Computer.Status.choices)
    return {
        **stats,
        "language": get_language(),
        "funnel": [{**row, "label": str(FUNNEL_LABELS[row["key"]])} for row in stats["funnel"]],
        "waves": [
            {**row, "label": _wave_label(row), "status_label": str(wave_statuses.get(row["status"], row["status"]))}
            for row in stats["waves"]
        ],
        "donors": [{**row, "label": row["name"] or str(ANONYMOUS_DONOR)} for row in stats["donors"]],
        "stock_labels": {code: str(stock_statuses.get(code, code)) for code in stats["stock"]},
        "impact_labels": {key: str(IMPACT_LABELS[key]) for key in stats["impact"] if key in IMPACT_LABELS},
    }
