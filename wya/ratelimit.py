"""A fixed-window rate limiter on the shared cache, for limits that REST and the socket share.

``allow("messages", user.pk)`` counts one hit and says whether it is within
``settings.RATE_LIMITS["messages"]`` (a DRF-style rate such as ``100/min``). The cache is shared
by every process (Redis in the real stack), so the limit holds across processes. On Redis a hit
is ONE round trip (``wya.hotcache.hit``: it is on every message's path).
"""

import time

from django.conf import settings

from wya import hotcache

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
