"""A server's Redis connections are bounded by its pools, whatever the socket count: 300
sockets opened and closed in batches on a real server leave its connection count (``CLIENT
LIST``, by the name every connection of the process sets) under a constant, during and after.

Regression: the connections grew with the peak socket count and stayed after the sockets closed
(1,500 sockets from a few accounts took 1,506 Redis connections)."""

import asyncio

import pytest
import redis
from channels.db import database_sync_to_async as sync_to_async
from django.conf import settings
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect as ws_connect

from tests.e2e.servers import http, real_stack_reason, running_servers
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SOCKETS = 300
BATCH = 25
USERS = 10
# The bound: the channel layer (one PUBLISH and one subscription connection: the pub/sub layer
# serialises its commands) and the cache's pool (CACHE_MAX_CONNECTIONS, 20), with room to
# spare. Measured: 7 for 100 or 300 sockets; before the shared pool, 126 for 100 and 237 for 300.
MAX_CONNECTIONS = 30


def server_connections(client: redis.Redis, pid: int) -> int:
    name = f"wya-{pid}"
    return sum(1 for entry in client.client_list() if entry.get("name") == name)


OPEN_TIMEOUT = 60  # seconds per socket on a busy machine (a bound, not a speed check)


async def open_socket(base: str, token: str):
    ticket = (await asyncio.to_thread(http, base, "POST", "/api/ws-ticket/", token=token))["ticket"]
    url = f"{base.replace('http', 'ws', 1)}/ws/?ticket={ticket}"
    return await ws_connect(url, open_timeout=OPEN_TIMEOUT)


def make_tokens() -> list[str]:
    return [Token.objects.create(user=UserFactory()).key for _ in range(USERS)]


async def test_redis_connections_stay_bounded_while_300_sockets_open_and_close():
    reason = real_stack_reason()
    if reason:
        pytest.skip(reason)
    tokens = await sync_to_async(make_tokens)()
    watcher = redis.Redis.from_url(settings.REDIS_URL)
    processes: list = []
    env = {"RATE_WRITES": "100000/min", "WS_MAX_SOCKETS_PER_USER": "1000"}
    with running_servers(1, extra_env=env, processes=processes) as (base,):
        pid = processes[0].pid
        peak = 0
        for start in range(0, SOCKETS, BATCH):
            batch = await asyncio.gather(
                *(open_socket(base, tokens[n % USERS]) for n in range(start, start + BATCH))
            )
            peak = max(peak, server_connections(watcher, pid))
            await asyncio.gather(*(ws.close() for ws in batch))
            peak = max(peak, server_connections(watcher, pid))
        after = server_connections(watcher, pid)
    watcher.close()

    print(f"peak {peak}, after {after} Redis connections for {SOCKETS} sockets")
    assert 0 < peak <= MAX_CONNECTIONS, peak
    assert after <= MAX_CONNECTIONS, after
