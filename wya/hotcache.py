"""The shared cache for the few operations on every message's path (rate limit, ``client_id``).

On Redis these go through one raw redis-py client per process: Django's ``RedisCache`` costs
about 0.3 ms of CPU per operation (key validation, a client object per call, pickling) against
0.08 ms for the raw client, and a room message made three of them. Keys are the cache's own
(prefix and version), so ``cache.get`` still sees them; values are JSON. Any other cache (the
embedded default's local memory) goes through Django's cache API.
"""

import json
import threading
from functools import cache as memoize
from typing import Any

import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[str, redis.ConnectionPool] = {}
_pools_lock = threading.Lock()


class _SharedPoolClient(RedisCacheClient):
    """Django's client with ONE connection pool per server per process. Django keeps a cache
    object per thread and per async context (``caches`` is an asgiref ``Local``) and each made
    its own pool, so every socket's context opened Redis connections that stayed open: 300
    sockets held about 240 (tests/e2e/test_redis_connections.py)."""

    def _get_connection_pool(self, write):
        # Django's own attributes (Django 5.2; django-stubs does not declare them):
        # tests/wya/test_cache_pool.py fails loudly if they change.
        client: Any = self
        server = client._servers[client._get_connection_pool_index(write)]
        with _pools_lock:
            if server not in _pools:
                _pools[server] = client._pool_class.from_url(server, **client._pool_options)
            return _pools[server]


class SharedPoolRedisCache(RedisCache):
    """The real stack's cache backend: Django's RedisCache on one bounded pool per process
    (``OPTIONS``: ``pool_class`` BlockingConnectionPool, ``max_connections``)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedPoolClient


@memoize
def _redis() -> redis.Redis | None:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    # Django's RedisCache keeps its redis-py client on ``_cache`` (no public accessor); the
    # client is thread-safe (a connection pool), so one per process serves every thread.
    return backend._cache.get_client(None, write=True)


def _key(key: str) -> str:
    return caches["default"].make_key(key)


def redis_client() -> redis.Redis | None:
    """The process's raw redis-py client on the cache's Redis (None off Redis), for structures
    the cache API has no verb for (messaging.socket_cap's sorted sets)."""
    return _redis()


def make_key(key: str) -> str:
    """``key`` with the cache's prefix and version, as every key here is stored."""
    return _key(key)


def add(key: str, value, timeout: int) -> bool:
    """Store ``value`` only if ``key`` is absent (atomic on Redis); True if stored."""
    client = _redis()
    if client is None:
        return cache.add(key, value, timeout=timeout)
    return bool(client.set(_key(key), json.dumps(value), ex=timeout, nx=True))


def set(key: str, value, timeout: int) -> None:  # noqa: A001 (the cache verb)
    client = _redis()
    if client is None:
        cache.set(key, value, timeout=timeout)
    else:
        client.set(_key(key), json.dumps(value), ex=timeout)


def get(key: str):
    client = _redis()
    if client is None:
        return cache.get(key)
    raw = client.get(_key(key))
    return None if raw is None else json.loads(raw)


def delete(key: str) -> None:
    client = _redis()
    if client is None:
        cache.delete(key)
    else:
        client.delete(_key(key))


def hit(key: str, timeout: int) -> int:
    """Count one hit on ``key`` (created with ``timeout`` seconds to live); returns the count.
    On Redis ONE round trip (``SET NX EX`` + ``INCR`` in a pipeline)."""
    client = _redis()
    if client is None:
        if cache.add(key, 1, timeout=timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
            return 1
    full_key = _key(key)
    pipe = client.pipeline(transaction=False)
    pipe.set(full_key, 0, ex=timeout, nx=True)
    pipe.incr(full_key)
    return pipe.execute()[1]
