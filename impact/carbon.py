"""The CO2e avoided by giving a computer a second life instead of buying a new one: one figure per form factor.

The estimate counts the greenhouse gases emitted to **manufacture** a new computer of the same kind, once per
unit actually handed over to an association (a unit in stock, reserved or scrapped avoids nothing yet). It is
an order of magnitude, always shown as an estimate with its source, never as a measure.

Figures (the only place they live; pages, exports and the open data read them from here):

- desktop: ADEME, Impact CO₂ (impactco2.fr, data from the Base Carbone): about 169 kg CO2e to manufacture a
  professional desktop computer (central unit); range from Boavizta's database of manufacturers' product
  carbon footprints, percentiles 10 to 90 of desktops: about 185 to 413 kg CO2e.
- other form factors: no figure has been checked for this portal yet, so none is counted (the page says how
  many units were left out). Add one here with its source and the date it was read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

# Form factors as stored on inventory.Computer.form_factor (impact sits above inventory; the codes are the
# model's choices, checked by tests/impact/test_carbon.py).
DESKTOP, MINI, ALL_IN_ONE, LAPTOP = "desktop", "mini", "all_in_one", "laptop"
HANDED_OVER = "handed_over"


@dataclass(frozen=True)
class CarbonFactor:
    """Manufacturing emissions of one new unit of a form factor, with where the figure comes from."""

    form_factor: str
    kg: int | None  # central figure, kg CO2e per unit; None: no checked figure, units are not counted
    low_kg: int | None = None  # range, when a source gives one
    high_kg: int | None = None
    source: str = ""
    range_source: str = ""
    # The sources' names as the open data gives them (proper nouns, the same in every language: the cached
    # statistics hold no translated text).
    source_name: str = ""
    range_source_name: str = ""
    url: str = ""
    read_on: datetime.date | None = None  # when the figure was read from its source

    @property
    def counted(self) -> bool:
        return self.kg is not None


FACTORS: dict[str, CarbonFactor] = {
    DESKTOP: CarbonFactor(
        form_factor=DESKTOP,
        kg=169,
        low_kg=185,
        high_kg=413,
        source=_("ADEME, Impact CO₂ (données de la Base Carbone) : fabrication d'un ordinateur fixe professionnel"),
        range_source=_("Boavizta, empreintes carbone publiées par les fabricants, ordinateurs fixes (p10–p90)"),
        source_name="ADEME – Impact CO₂ (Base Carbone)",
        range_source_name="Boavizta (p10–p90)",
        url="https://impactco2.fr/outils/numerique",
        read_on=datetime.date(2026, 12, 6),
    ),
    MINI: CarbonFactor(form_factor=MINI, kg=None),
    ALL_IN_ONE: CarbonFactor(form_factor=ALL_IN_ONE, kg=None),
    LAPTOP: CarbonFactor(form_factor=LAPTOP, kg=None),
}


@dataclass
class CarbonEstimate:
    """CO2e avoided by a set of handed-over units: a central figure, a range, and what was left out."""

    units: int = 0  # handed over, counted
    kg: int = 0
    low_kg: int = 0
    high_kg: int = 0
    not_counted: int = 0  # handed over, but of a form factor without a figure
    factors: list[CarbonFactor] = field(default_factory=list)  # the figures used, for their sources

    @property
    def tonnes(self) -> float:
        return round(self.kg / 1000, 1)

    @property
    def has_range(self) -> bool:
        return self.high_kg > 0

    def as_dict(self) -> dict:
        """For the open data (JSON): figures and their sources, in plain values."""
        return {
            "estimate": True,
            "units_counted": self.units,
            "units_not_counted": self.not_counted,
            "kg_co2e": self.kg,
            "kg_co2e_low": self.low_kg if self.has_range else None,
            "kg_co2e_high": self.high_kg if self.has_range else None,
            "sources": [
                {
                    "form_factor": f.form_factor,
                    "kg_co2e_per_unit": f.kg,
                    "range_kg_co2e_per_unit": [f.low_kg, f.high_kg] if f.high_kg else None,
                    "source": f.source_name,
                    "range_source": f.range_source_name,
                    "url": f.url,
                    "read_on": f.read_on.isoformat() if f.read_on else None,
                }
                for f in self.factors
            ],
        }


def handed_over_by_form_factor(computers: QuerySet) -> dict[str, int]:
    """``{form_factor: units handed over}`` of a queryset of computers, in one query."""
    rows = computers.filter(status=HANDED_OVER).values("form_factor").annotate(n=Count("pk")).order_by()
    return {row["form_factor"]: row["n"] for row in rows}


def co2e_avoided(units: QuerySet | Mapping[str, int] | Iterable[str]) -> CarbonEstimate:
    """The CO2e avoided by ``units``: a queryset of computers (only those handed over count, one query), or the
    counts already made (``{form_factor: handed over}``), or the form factors of handed-over units, one each."""
    if isinstance(units, QuerySet):
        counts = handed_over_by_form_factor(units)
    elif isinstance(units, Mapping):
        counts = dict(units)
    else:
        counts = {}
        for form_factor in units:
            counts[form_factor] = counts.get(form_factor, 0) + 1
    estimate = CarbonEstimate()
    for form_factor, n in sorted(counts.items()):
        if n <= 0:
            continue
        factor = FACTORS.get(form_factor)
        if factor is None or not factor.counted:
            estimate.not_counted += n
            continue
        estimate.units += n
        estimate.kg += n * factor.kg
        if factor.high_kg:
            estimate.low_kg += n * factor.low_kg
            estimate.high_kg += n * factor.high_kg
        estimate.factors.append(factor)
    if not estimate.factors:  # nothing handed over yet: still say which figure will be used
        estimate.factors = [FACTORS[DESKTOP]]
    return estimate
