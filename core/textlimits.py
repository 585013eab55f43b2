"""Length limits of the free-text fields people type: one place for the model, the database and the form.

``limited_text(n)`` gives a TextField's validators (Django enforces ``max_length`` of a TextField
only in the form), ``length_check`` the database constraint behind it, and ``TextLimitsMixin``
shows the limit in the help of every text field of a form (the browser also gets ``maxlength``).
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


def limit_text(limit: int) -> str:
    return format_lazy(_("{} caractères au plus."), f"{limit:,}".replace(",", "\u202f"))


def length_check(field: str, limit: int, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


def max_length_validator(limit: int) -> MaxLengthValidator:
    return MaxLengthValidator(limit)


class TextLimitsMixin:
    """Every text area of the form says how many characters it accepts, in its help."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length and isinstance(field.widget, forms.Textarea):
                limit = limit_text(field.max_length)
                field.help_text = format_lazy("{} {}", field.help_text, limit) if field.help_text else limit
                field.widget.attrs.setdefault("maxlength", str(field.max_length))
