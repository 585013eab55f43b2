"""Normalisation of what people type or paste from spreadsheets (serials, makers, references)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Spellings seen in donors' spreadsheets -> the one name kept in the stock.
MANUFACTURER_ALIASES = {
    "dell": "Dell",
    "dell inc": "Dell",
    "dell technologies": "Dell",
    "hp": "HP",
    "hewlett packard": "HP",
    "hewlett-packard": "HP",
    "hp inc": "HP",
    "lenovo": "Lenovo",
    "acer": "Acer",
    "asus": "Asus",
    "asustek": "Asus",
    "fujitsu": "Fujitsu",
    "apple": "Apple",
    "microsoft": "Microsoft",
    "msi": "MSI",
    "toshiba": "Toshiba",
    "dynabook": "Dynabook",
}

_SPACES = re.compile(r"\s+")


def normalize_manufacturer(value: str) -> str:
    cleaned = _SPACES.sub(" ", (value or "").strip())
    key = cleaned.lower().rstrip(".").replace(",", "")
    return MANUFACTURER_ALIASES.get(key, cleaned)


def normalize_serial(value: str) -> str:
    """Serial numbers are compared without spaces and case (a Dell service tag is printed in capitals)."""
    return _SPACES.sub("", (value or "")).upper()


def normalize_reference(value: str) -> str:
    return _SPACES.sub("", (value or "")).upper()


def validate_no_control_characters(value: str) -> None:
    """PostgreSQL refuses NUL in text; other control characters are always a copy-paste accident."""
    if value and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError(_("Ce texte contient des caractères invisibles non autorisés."), code="control_char")
