"""The client's address for rate limits, behind as many trusted reverse proxies as configured.

With ``TRUSTED_PROXY_COUNT=0`` (direct connections) it is ``REMOTE_ADDR``. Behind N proxies that each
append to ``X-Forwarded-For``, it is the N-th address from the right: the one the outermost trusted
proxy saw. Addresses a client writes itself (on the left) are never believed.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
