"""portal.views.outcome.form_saved: a valid form's service, its refusal on the form or its done message."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.errors import DomainError
from portal.views.outcome import form_saved


class NameForm(forms.Form):
    name = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _form():
    form = NameForm({"name": "Connexions Solidaires"})
    assert form.is_valid()
    return form


def _raise(exc):
    def call():
        raise exc

    return call


def test_success_tells_the_done_message():
    request, form = _request(), _form()
    assert form_saved(request, form, lambda: None, done="Enregistré.") is True
    assert [str(m) for m in get_messages(request)] == ["Enregistré."]


@pytest.mark.parametrize(
    ("exc", "field", "text"),
    [
        (ValidationError({"name": "Ce nom est déjà pris."}), "name", "Ce nom est déjà pris."),
        (DomainError("La campagne est close."), "__all__", "La campagne est close."),
    ],
    ids=["field-error", "domain-error"],
)
def test_a_refusal_goes_on_the_form_and_nothing_is_told(exc, field, text):
    request, form = _request(), _form()
    assert form_saved(request, form, _raise(exc), done="Enregistré.") is False
    assert form.errors[field] == [text]
    assert list(get_messages(request)) == []
