"""A one-click action's outcome told to the person: the service's refusal or the done message."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest

from core.errors import DomainError


def tell_outcome(request: HttpRequest, call: Callable[[], object], *, done: str) -> None:
    """Calls one service: a domain error becomes an error message, success the ``done`` message."""
    try:
        call()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
