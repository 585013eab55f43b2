"""gunicorn settings: `gunicorn config.wsgi --config config/gunicorn.py`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# Requests are logged by the application as JSON lines (core/logging.py); gunicorn's own access log is off
# unless GUNICORN_ACCESS_LOG is set (for example to "-").
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
pidfile = os.environ.get("GUNICORN_PIDFILE") or None  # for `kill -HUP $(cat …)`: reload without downtime
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _without_server_banner():
    """No ``Server: gunicorn/<version>`` header: it tells a scanner which known flaws to try first.

    gunicorn has no setting for it; its HTTP/1 response writes the banner among its default headers,
    so the master drops that line once here, before forking the workers (which inherit it).
    """
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "without_server_banner", False):
        return
    default_headers = wsgi.Response.default_headers

    def headers(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    headers.without_server_banner = True
    wsgi.Response.default_headers = headers


_without_server_banner()
