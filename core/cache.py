"""The shared cache on Redis, which degrades to a per-process memory cache while Redis cannot be reached.

Django's ``RedisCache`` raises ``ConnectionError`` on every call when Redis is down, which turned the
public pages, ``/verify/`` and the login into 500s. Here a connection error is logged (a warning, once
per outage and process), the call falls back to a local memory cache, and Redis is tried again after
``CACHE_RETRY_SECONDS``. For the callers it is a cache miss: the public figures are computed from the
database, and the rate limits keep counting, per process (see docs: which limits fail open).
When Redis answers again, the local copies are dropped so that no stale value outlives the outage.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

try:  # the client library is only needed when REDIS_URL is set
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    UNAVAILABLE: tuple[type[BaseException], ...] = (_RedisConnectionError, _RedisTimeoutError, OSError)
except ImportError:  # pragma: no cover
    UNAVAILABLE = (OSError,)

# Per process (Django makes one cache object per thread): when Redis was last found down.
_state = {"down_since": None, "retry_at": 0.0}
_state_lock = threading.Lock()

_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class DegradingRedisCache(RedisCache):
    """``RedisCache`` that never raises a connection error: a miss (or a local counter) instead."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("retry_seconds", 5.0))
        # Fail fast: a dead host must not hold a request for the client's default timeouts.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._fallback = LocMemCache(f"degraded-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 2000}})

    def _skip_redis(self) -> bool:
        return _state["down_since"] is not None and time.monotonic() < _state["retry_at"]

    def _went_down(self, name: str, exc: BaseException) -> None:
        now = time.monotonic()
        with _state_lock:
            first = _state["down_since"] is None
            if first:
                _state["down_since"] = now
            _state["retry_at"] = now + self.retry_seconds
        if first:
            logger.warning(
                "Cache: Redis unreachable (%s: %s); local cache until it answers again",
                name,
                exc.__class__.__name__,
            )

    def _came_back(self) -> None:
        with _state_lock:
            was_down = _state["down_since"] is not None
            _state["down_since"] = None
        if was_down:
            self._fallback.clear()
            logger.warning("Cache: Redis answers again")

    def _call(self, name: str, *args, **kwargs):
        if self._skip_redis():
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._went_down(name, exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        if _state["down_since"] is not None:
            self._came_back()
        return result

    def close(self, **kwargs):
        try:
            super().close(**kwargs)
        except UNAVAILABLE:  # pragma: no cover
            pass


def _delegate(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _METHODS:
    setattr(DegradingRedisCache, _name, _delegate(_name))
