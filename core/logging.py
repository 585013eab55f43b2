"""Structured logs: one JSON object per line (``LOG_FORMAT=json``, the production default), each carrying
the request it belongs to, so that the lines of one request can be found across web and worker hosts.

``RequestLogMiddleware`` gives every request an id (the proxy's ``X-Request-ID`` when a trusted proxy is
configured, a new one otherwise; echoed in the response) and writes one ``request`` line when it ends:
method, path, status, duration, user id. ``RequestContextFilter`` adds ``request_id`` and ``user_id`` to
every line written while the request runs (services, emails queued, database warnings). Tasks queued
during a request carry its id to the Celery worker (``connect_celery``), whose lines then show it too.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_request: contextvars.ContextVar[object | None] = contextvars.ContextVar("request", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_logger = logging.getLogger("portal.request")


def _current_user_id() -> int | None:
    """The logged-in user's id, only if the request already looked the user up (never an extra query)."""
    request = _request.get()
    user = getattr(request, "_cached_user", None) if request is not None else None
    return user.pk if user is not None and user.is_authenticated else None


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or _request_id.get()
        record.user_id = getattr(record, "user_id", None) or _current_user_id()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "") if settings.TRUSTED_PROXY_COUNT else ""
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = (_request_id.set(request_id), _request.set(request))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
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
            _request_id.reset(tokens[0])
            _request.reset(tokens[1])


def connect_celery() -> None:
    """Tasks carry the id of the request that queued them; the worker logs it with every line of the task."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    @before_task_publish.connect(weak=False)
    def _add_request_id(headers=None, **kwargs):
        if headers is not None and _request_id.get():
            headers.setdefault("request_id", _request_id.get())

    @task_prerun.connect(weak=False)
    def _enter_task(task=None, **kwargs):
        request_id = getattr(task.request, "request_id", None) or (task.request.headers or {}).get("request_id")
        # Eager tasks (no broker) run inside the request itself and keep its id.
        task.request._log_token = _request_id.set(request_id or _request_id.get())

    @task_postrun.connect(weak=False)
    def _leave_task(task=None, **kwargs):
        token = getattr(task.request, "_log_token", None)
        if token is not None:
            _request_id.reset(token)
