"""Form fields shared by the apps."""

import re
from collections.abc import Callable, Collection
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import get_format

from core.errors import DomainError


class DecimalInput(forms.TextInput):
    """A text box with the numeric keypad of phones: ``type=number`` would lose « 12,5 » in Chromium.

    A browser whose language is English drops the comma of a number field and sends « 125 »; a text
    input sends what was typed, and the field below reads it.
    """

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class DecimalNumberField(forms.DecimalField):
    """A decimal number typed the French or the English way: « 12,5 » and « 12.5 » are both 12.5.

    Spaces (thousands separators, narrow or not) are ignored; one decimal separator at most, comma
    or point, whatever the page's language; anything else is refused with the field's « invalid »
    message. The value is shown back in the page's language: « 12,5 » in French, « 12.5 » in English.
    """

    widget = DecimalInput
    _NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            text = "".join(value.split())  # str.split() also splits on no-break and narrow no-break spaces
            if not self._NUMBER.match(text):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = text.replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            text = format(Decimal(str(value)).normalize(), "f")
            return text.replace(".", get_format("DECIMAL_SEPARATOR"))
        return value


def errors_to_form(form: forms.Form, exc: ValidationError | DomainError, fields: Collection[str] | None = None) -> None:
    """A service's refusal shown on a form: a ValidationError next to its field when the form has it (and
    ``fields``, when given, names it), above the form otherwise; a DomainError above the form."""
    if isinstance(exc, DomainError):
        form.add_error(None, str(exc))
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        known = field in form.fields and (fields is None or field in fields)
        form.add_error(field if known else None, errors)


def service_applied(form: forms.Form, service: Callable, *, errors_on: str | None = None, **arguments) -> bool:
    """Call ``service(**arguments)`` (a service, given the form's cleaned data): True when it went through. A refusal
    is shown on ``form`` and gives False: a ValidationError's messages all next to the field ``errors_on`` when it
    is named, else where ``errors_to_form`` puts them; a DomainError above the form."""
    try:
        service(**arguments)
    except (ValidationError, DomainError) as exc:
        if errors_on is not None and isinstance(exc, ValidationError):
            form.add_error(errors_on, exc.messages)
        else:
            errors_to_form(form, exc)
        return False
    return True
