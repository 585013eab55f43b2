from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from donations.selectors import campaigns_for_home


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"campaigns": campaigns_for_home()})


def privacy(request: HttpRequest) -> HttpResponse:
    retention = {
        "unconfirmed": settings.RETENTION_UNCONFIRMED_ACCOUNT_DAYS,
        "inactive": settings.RETENTION_INACTIVE_ACCOUNT_DAYS,
        "documents": settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS,
    }
    return render(
        request, "core/privacy.html", {"retention": retention, "privacy_contact": settings.PRIVACY_CONTACT_EMAIL}
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account too (emails follow it)."""
    from django.views.i18n import set_language as django_set_language

    from accounts.services import user_set_language

    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response


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
