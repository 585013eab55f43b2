"""Database constraints that several models declare alike."""

from django.db import models
from django.db.models import Q


def choices_check(field: str, choices: type[models.Choices], name: str) -> models.CheckConstraint:
    """The column ``field`` holds one of ``choices``' values (a status written by raw SQL or a bad migration
    cannot slip past the model's choices)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
