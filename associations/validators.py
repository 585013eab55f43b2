"""Validators of French identifiers, on top of python-stdnum and django-localflavor."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

RNA_RE = re.compile(r"^W\d{9}$")
POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def normalize_rna(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def normalize_siret(value: str) -> str:
    return re.sub(r"[\s.\-]+", "", value or "")


def validate_rna(value: str) -> None:
    if not RNA_RE.match(normalize_rna(value)):
        raise ValidationError(
            _("Le numéro RNA commence par W suivi de 9 chiffres, par exemple W133012345."), code="invalid_rna"
        )


def validate_siret(value: str) -> None:
    try:
        stdnum_siret.validate(normalize_siret(value))
    except StdnumError:
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide : il compte 14 chiffres et sa clé de contrôle doit être juste."),
            code="invalid_siret",
        ) from None


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.match(value or ""):
        raise ValidationError(_("Le code postal compte 5 chiffres, par exemple 13001."), code="invalid_postal_code")


def validate_no_nul(value: str) -> None:
    if value and "\x00" in value:
        raise ValidationError(_("Ce texte contient un caractère invalide."), code="null_characters_not_allowed")
