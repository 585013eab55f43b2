"""Small text helpers for what commands print to people (French first, through the active language)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import models


def count_by_label(values: Iterable[str], choices: type[models.TextChoices]) -> str:
    """``brouillon : 28, envoyé : 10`` from status codes, in the order of ``choices``, never the codes."""
    counts = Counter(values)
    parts = [f"{label.lower()} : {counts[value]}" for value, label in choices.choices if counts.get(value)]
    unknown = sorted(set(counts) - set(choices.values))
    parts += [f"{value} : {counts[value]}" for value in unknown]
    return ", ".join(parts) or "aucun"
