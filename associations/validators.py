"""Validators of French identifiers, on top of python-stdnum and django-localflavor.

The SIRET and text checks are campaigns.validators' (a donor's offer uses them too); they are wrapped here, not
re-exported, so that the models' migrations keep naming ``associations.validators``."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns import validators as shared
from campaigns.validators import normalize_siret as normalize_siret  # one SIRET normalisation

RNA_RE = re.compile(r"^W\d{9}$")
POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def normalize_rna(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_rna(value: str) -> None:
    if not RNA_RE.match(normalize_rna(value)):
        raise ValidationError(
            _("Le numéro RNA commence par W suivi de 9 chiffres, par exemple W133012345."), code="invalid_rna"
        )


def validate_siret(value: str) -> None:
    shared.validate_siret(value)


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.match(value or ""):
        raise ValidationError(_("Le code postal compte 5 chiffres, par exemple 13001."), code="invalid_postal_code")


def validate_no_nul(value: str) -> None:
    shared.validate_no_nul(value)
