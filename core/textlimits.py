"""Length limits of the free-text fields people type: one place for the model, the database and the form.

``max_length_validator(n)`` gives a TextField's validator (Django enforces ``max_length`` of a TextField
only in the form), ``length_check`` the database constraint behind it, and ``TextLimitsMixin``
announces the limit of every text field of a form before it bites: in the field's help, and in a live
counter (static/js/char_count.js) fed by the widget's ``data-maxlength``. The browser gets no
``maxlength``: it would cut a pasted text without a word, where the server refuses it with a message.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Shorter fields are codes and numbers (postal code, RNA, SIRET, phone) checked by their own format, which their
# help gives: no counter there, but no silent cut either.
COUNTED_FROM = 30


def limit_text(limit: int) -> str:
    return format_lazy(_("{} caractères au plus."), f"{limit:,}".replace(",", "\u202f"))


def length_check(field: str, limit: int, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


def max_length_validator(limit: int) -> MaxLengthValidator:
    return MaxLengthValidator(limit)


def counter_attrs(limit: int) -> dict[str, str]:
    """The widget attributes the live counter reads: the limit, and its messages in the page's language.

    ``{n}`` is replaced in the browser; "one" and "other" follow the language's plural rule (Intl.PluralRules).
    """
    return {
        "data-maxlength": str(limit),
        "data-count-left-one": str(pgettext_lazy("compteur", "Il vous reste {n} caractère.")),
        "data-count-left-other": str(pgettext_lazy("compteur", "Il vous reste {n} caractères.")),
        "data-count-over-one": str(pgettext_lazy("compteur", "{n} caractère en trop : raccourcissez le texte.")),
        "data-count-over-other": str(pgettext_lazy("compteur", "{n} caractères en trop : raccourcissez le texte.")),
    }


class TextLimitsMixin:
    """Every text field of the form with a length limit says it before it bites, and the server refuses beyond.

    The limit goes in the field's help; the widget carries ``data-maxlength`` (a live counter, announced
    politely to screen readers) instead of ``maxlength``, which makes the browser cut a pasted text
    silently; a longer text comes back with a French error that says by how much it is too long.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.CharField) or not field.max_length:
                continue
            widget = field.widget
            if not isinstance(widget, forms.Textarea | forms.TextInput) or isinstance(widget, forms.PasswordInput):
                continue
            widget.attrs.pop("maxlength", None)
            field.error_messages["max_length"] = too_long_message()
            if field.max_length < COUNTED_FROM and not isinstance(widget, forms.Textarea):
                continue
            limit = limit_text(field.max_length)
            field.help_text = format_lazy("{} {}", field.help_text, limit) if field.help_text else limit
            widget.attrs.update(counter_attrs(field.max_length))


def too_long_message():
    return _("Ce texte fait %(show_value)s caractères, pour %(limit_value)s au plus : raccourcissez-le.")


# A tag, a comment or a doctype: the texts are shown as text, but markup typed in them is refused with a word.
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")


def has_markup(value: str) -> bool:
    return bool(value and MARKUP.search(value))


def text_errors(value: str) -> str | None:
    """The French refusal of a typed text (markup, NUL characters), or None."""
    if value and "\x00" in value:
        return _("Ce texte contient un caractère invalide.")
    if has_markup(value):
        return _("Écrivez sans balises HTML (pas de « < » suivi d'une lettre).")
    return None


def required_text(value: str, *, field: str, limit: int, missing, invalid=None, too_long=None) -> str:
    """``value`` stripped, or a ValidationError on ``field``: ``missing`` when it is empty, ``invalid`` when it
    holds a NUL character, ``too_long`` (formatted with its length ``n`` and the ``limit``) when it is longer than
    ``limit``. By default, the NUL message of ``text_errors`` and the ``limit_text`` of the limit."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: missing})
    if "\x00" in text:
        raise ValidationError({field: str(invalid or _("Ce texte contient un caractère invalide."))})
    if len(text) > limit:
        message = too_long % {"n": len(text), "limit": limit} if too_long else limit_text(limit)
        raise ValidationError({field: str(message)})
    return text
