"""A fixed-window rate limiter on the shared cache, for limits that REST and the socket share.

``allow("messages", user.pk)`` counts one hit and says whether it is within
``settings.RATE_LIMITS["messages"]`` (a DRF-style rate such as ``100/min``). The cache is shared
by every process (Redis in the real stack), so the limit holds across processes. On Redis a hit
is ONE round trip (``wya.hotcache.hit``: it is on every message's path).
"""

import time

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from wya import hotcache
from wya.errors import RateLimited

WRITE_REFUSED = "Too many changes in a short time; try again later."

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), _PERIODS[period]


def retry_after(scope: str) -> int:
    """Seconds until the current window of ``scope`` ends: the ``Retry-After`` of a refusal."""
    _, period = parse_rate(settings.RATE_LIMITS[scope])
    return max(1, int(period - time.time() % period))


def allow(scope: str, ident: str) -> bool:
    limit, period = parse_rate(settings.RATE_LIMITS[scope])
    window = int(time.time() // period)
    return hotcache.hit(f"rl:{scope}:{ident}:{window}", period + 1) <= limit


def _refused_scope(ident: str, scope: str | None) -> str | None:
    """Count one write against the floor and ``scope``; the first one over its limit, if any."""
    for name in ("writes", scope) if scope else ("writes",):
        if not allow(name, ident):
            return name
    return None


def check_write(user, scope: str | None = None) -> None:
    """The API's write limits for a page form that writes (same counters as the API): raises
    ``RateLimited`` (429) past them."""
    if _refused_scope(f"u:{user.pk}", scope) is not None:
        raise RateLimited(WRITE_REFUSED, code="rate_limited")


class WriteRateThrottle(BaseThrottle):
    """The rate limit under every write of /api/ (REST_FRAMEWORK's default throttle): each
    POST/PUT/PATCH/DELETE counts against ``RATE_LIMITS["writes"]`` and, when the view names one,
    its tighter ``write_scope`` (``room_create``, ``blocks``...). Per user, per address when
    anonymous (``REMOTE_ADDR``: wya.proxy decided which address that is). Counted on the shared
    cache (``allow`` above), so the limit holds across processes. A refusal is a 429
    ``rate_limited`` with ``Retry-After`` (the seconds left in the window)."""

    def __init__(self) -> None:
        self.refused_scope: str | None = None

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"u:{user.pk}"
        else:
            ident = f"a:{request.META.get('REMOTE_ADDR') or 'unknown'}"
        self.refused_scope = _refused_scope(ident, getattr(view, "write_scope", None))
        return self.refused_scope is None

    def wait(self) -> float | None:
        return retry_after(self.refused_scope) if self.refused_scope else None
