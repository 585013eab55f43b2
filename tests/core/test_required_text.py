"""core.textlimits.required_text: the checks of a required typed text shared by the support and impact services."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.textlimits import required_text


def _refusal(value, **options) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        required_text(value, field="note", limit=10, missing="Écrivez-la.", **options)
    return caught.value.message_dict["note"]


def test_stripped_text_is_returned():
    assert required_text("  une note \n", field="note", limit=10, missing="Écrivez-la.") == "une note"


@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_empty_text_gets_the_missing_message(value):
    assert _refusal(value) == ["Écrivez-la."]


def test_default_messages():
    with translation.override("fr"):
        assert _refusal("a\x00b") == ["Ce texte contient un caractère invalide."]
        assert _refusal("x" * 11) == ["10 caractères au plus."]


def test_own_messages_with_the_length_and_the_limit():
    options = {"invalid": "Caractère refusé.", "too_long": "%(n)s pour %(limit)s."}
    assert _refusal("a\x00b", **options) == ["Caractère refusé."]
    assert _refusal("  " + "x" * 12 + "  ", **options) == ["12 pour 10."]
