"""Structured logs: one JSON object per line (``LOG_FORMAT=json``, the production default), each carrying
the request it belongs to, so that the lines of one request can be found across web and worker hosts.

``RequestLogMiddleware`` gives every request an id (``X-Request-ID`` from the proxy when present, a new
one otherwise, echoed in the response) and writes one ``request`` line when it ends: method, path,
status, duration, user id. ``RequestContextFilter`` adds ``request_id`` and ``user_id`` to every line
written while the request runs (database warnings, emails queued, service logs).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_logger = logging.getLogger("portal.request")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or _request_id.get()
        record.user_id = getattr(record, "user_id", None) or _user_id.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        user_token = _user_id.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                _user_id.set(user.pk)
            response["X-Request-ID"] = request_id
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            request_logger.log(
                level,
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request_id.reset(token)
            _user_id.reset(user_token)
