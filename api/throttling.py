"""Rate limits of the API, in the project's cache (Redis when configured): per token, and per address without one.

The rates are settings (``API_TOKEN_RATE``, ``API_ANON_RATE``, e.g. ``"600/m"``), read at each request.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from core.client_ip import client_ip


class SettingRateThrottle(SimpleRateThrottle):
    """A rate limit whose rate is the setting named by ``rate_setting``, read at each request."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)


class ApiTokenThrottle(SettingRateThrottle):
    scope = "api_token"
    rate_setting = "API_TOKEN_RATE"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return f"api:throttle:token:{request.auth.pk}"
        return None


class ApiAnonThrottle(SettingRateThrottle):
    scope = "api_anon"
    rate_setting = "API_ANON_RATE"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return None
        return f"api:throttle:ip:{client_ip(request)}"
