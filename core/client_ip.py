"""The client's address for rate limits, behind as many trusted reverse proxies as configured.

With ``TRUSTED_PROXY_COUNT=0`` (direct connections) it is ``REMOTE_ADDR``. Behind N proxies that each
append to ``X-Forwarded-For``, it is the N-th address from the right: the one the outermost trusted
proxy saw. Addresses a client writes itself (on the left) are never believed, and a hop that is not
an IP address (``unknown``, garbage) falls back to ``REMOTE_ADDR`` rather than failing the request.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _parse(value: str) -> str | None:
    """An IP address from a forwarded hop (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443``), or None."""
    value = value.strip()
    if value.startswith("["):  # [IPv6]:port
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            parsed = _parse(hops[-count])
            if parsed:
                return parsed
    return _parse(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
