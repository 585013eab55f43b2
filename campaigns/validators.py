"""The SIRET and text checks of a donor company's offer, python-stdnum underneath; associations.validators (which sits
above this app) wraps them for associations."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret


def normalize_siret(value: str) -> str:
    return re.sub(r"[\s.\-]+", "", value or "")


def validate_siret(value: str) -> None:
    try:
        stdnum_siret.validate(normalize_siret(value))
    except StdnumError:
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide : il compte 14 chiffres et sa clé de contrôle doit être juste."),
            code="invalid_siret",
        ) from None


def validate_no_nul(value: str) -> None:
    if value and "\x00" in value:
        raise ValidationError(_("Ce texte contient un caractère invalide."), code="null_characters_not_allowed")
