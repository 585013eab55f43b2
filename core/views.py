from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def ratelimited(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "core/ratelimited.html", status=429)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (``degraded`` when a configured Redis does not); 503 without the database."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this is what monitors read
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    else:
        checks["redis"] = "not configured"
    # Only the database makes a host unfit to serve: with Redis down the pages keep working (the cache
    # degrades to a miss, emails wait in the outbox), so a load balancer must keep the host in. "degraded"
    # tells the monitors.
    if checks["database"] != "ok":
        return JsonResponse({"status": "error", **checks}, status=503)
    status = "ok" if checks["redis"] in ("ok", "not configured") else "degraded"
    return JsonResponse({"status": status, **checks}, status=200)
