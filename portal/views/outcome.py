"""An action's outcome told to the person: the service's refusal (a message, or errors on the form) or the done
message."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from core.errors import DomainError
from core.forms import errors_to_form


def tell_outcome(request: HttpRequest, call: Callable[[], object], *, done: str) -> None:
    """Calls one service: a domain error becomes an error message, success the ``done`` message."""
    try:
        call()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


def form_saved(request: HttpRequest, form: forms.Form, call: Callable[[], object], *, done: str) -> bool:
    """Calls the service of a valid form: its refusal goes on the form, success is told with ``done``.
    True once saved (the view then redirects), False to show the form again."""
    try:
        call()
    except ValidationError as exc:
        errors_to_form(form, exc)
        return False
    messages.success(request, done)
    return True
