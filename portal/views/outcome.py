"""An action's outcome told to the person: the service's refusal (a message, or errors on the form) or the done
message."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from core.errors import DomainError
from core.forms import service_applied


def tell_outcome(request: HttpRequest, call: Callable[[], object], *, done: str) -> None:
    """Calls one service: a domain error becomes an error message, success the ``done`` message."""
    try:
        call()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


def form_saved(request: HttpRequest, form: forms.Form, call: Callable[[], object], *, done: str) -> bool:
    """Calls the service of a valid form (``core.forms.service_applied``): its refusal goes on the form, success is
    told with ``done``. True once saved (the view then redirects), False to show the form again."""
    if not service_applied(form, call):
        return False
    messages.success(request, done)
    return True
