"""Every error of the API in one JSON shape, in the request's language (French by default)::

    {"detail": "…", "errors": [{"field": "units[3].ram_gb", "message": "…"}]}

``errors`` is there for refused input only (400), one entry per field. Anything unexpected is a 500 from
Django, never an error page in HTML from here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.stock import RequestRejected


def _flatten(detail, path: str = "") -> list[dict]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():  # a list serializer's item
                out += _flatten(value, f"{path}[{key}]")
                continue
            name = "" if key == "non_field_errors" else str(key)
            sub = f"{path}.{name}" if path and name else (path or name)
            out += _flatten(value, sub)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": path, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:  # a list serializer puts {} for the items without error
                out += _flatten(item, f"{path}[{index}]")
        return out
    return [{"field": path, "message": str(detail)}]


def refused(errors: list[dict], detail: str | None = None) -> Response:
    return Response(
        {
            "detail": detail
            or _("La requête contient %(n)s erreur(s) : rien n'a été enregistré.") % {"n": len(errors)},
            "errors": errors,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    if isinstance(exc, RequestRejected):
        return refused([error.as_dict() for error in exc.errors], str(exc))
    if isinstance(exc, exceptions.Throttled):
        exc = exceptions.Throttled(
            wait=exc.wait,
            detail=_("Trop de requêtes : réessayez dans %(n)s s.") % {"n": int(exc.wait or 1)},
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return refused(_flatten(exc.detail))
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"])}
    return response
