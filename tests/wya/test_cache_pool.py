"""The real stack's cache keeps ONE bounded Redis pool per process (wya.hotcache): Django makes a
cache object per thread and per async context, and each used to open its own pool, so every
socket left Redis connections open. Building a pool opens no connection: no Redis needed."""

import threading

import redis

from wya.hotcache import SharedPoolRedisCache

URL = "redis://127.0.0.1:6379/15"
PARAMS = {
    "OPTIONS": {"pool_class": "redis.BlockingConnectionPool", "max_connections": 7, "timeout": 3}
}


def _pool_of_a_new_cache_object():
    return SharedPoolRedisCache(URL, PARAMS)._cache.get_client(write=True).connection_pool


def test_every_cache_object_of_the_process_shares_one_bounded_pool():
    pools = [_pool_of_a_new_cache_object()]
    thread = threading.Thread(target=lambda: pools.append(_pool_of_a_new_cache_object()))
    thread.start()
    thread.join()

    assert pools[0] is pools[1]
    assert isinstance(pools[0], redis.BlockingConnectionPool)
    assert pools[0].max_connections == 7
