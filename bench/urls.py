"""The portal's URLs plus a minimal view, the yardstick of every benchmark and of the load test.

Only benchmark settings (`bench/settings.py`) use this URLconf; production never serves it.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns


def minimal(request: HttpRequest) -> HttpResponse:
    """The least Django can do for a request: the full middleware stack, no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal, name="bench_minimal"), *portal_urlpatterns]
