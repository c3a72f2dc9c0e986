"""A fixed-window rate limiter on the shared cache, for limits that REST and the socket share.

``allow("messages", user.pk)`` counts one hit and says whether it is within
``settings.RATE_LIMITS["messages"]`` (a DRF-style rate such as ``100/min``). The cache is shared
by every process (Redis in the real stack), so the limit holds across processes. On Redis a hit
is ONE round trip (``SET NX EX`` + ``INCR`` in a pipeline; it is on every message's path);
other caches use ``add`` then ``incr``.
"""

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), _PERIODS[period]


def allow(scope: str, ident: str) -> bool:
    limit, period = parse_rate(settings.RATE_LIMITS[scope])
    window = int(time.time() // period)
    key = f"rl:{scope}:{ident}:{window}"
    if isinstance(caches["default"], RedisCache):
        return _redis_hit(key, period + 1) <= limit
    if cache.add(key, 1, timeout=period + 1):
        return True
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        return True
    return hits <= limit


def _redis_hit(key: str, timeout: int) -> int:
    """Count one hit on Redis in one round trip; the key is the cache's own (prefix, version),
    so ``cache.get(key)`` reads the same count."""
    backend = caches["default"]
    full_key = backend.make_and_validate_key(key)
    # Django's RedisCache keeps its redis-py client on ``_cache`` (no public accessor).
    client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=False)
    pipe.set(full_key, 0, ex=timeout, nx=True)
    pipe.incr(full_key)
    return pipe.execute()[1]
