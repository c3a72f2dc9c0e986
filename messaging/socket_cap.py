"""The per-user cap on open sockets (``WS_MAX_SOCKETS_PER_USER``, default 10).

Every open socket is registered under its user with the time it opened. When a user opens one
more than the cap, the OLDEST of their sockets, in whatever process it lives, is sent a
``socket.evict`` event on its channel (the channel layer routes it to its process); it answers
an ``error`` frame ``too_many_sockets`` and closes with ``TOO_MANY_SOCKETS_CODE`` (4029).

Where the registry lives: on the real stack one Redis sorted set per user (every process sees
every socket): member ``<opened-at ns>|<channel name>`` (so sorting members sorts by age), score
the last time its process vouched for it. Each process re-vouches for its own sockets every
``WS_SOCKET_REGISTRY_TTL_SECONDS / 3`` (one pipeline for all of them); an entry not vouched for
within the TTL (its process was killed) is dropped at the user's next connect, so a dead process
never locks anyone out. Without Redis (the embedded default: one process) a dict in the process.

Two connects of the same user at the same instant in two processes may each see the other's
socket late and leave the user one socket over the cap until the next connect; the cap is a
resource bound, not a security boundary, and one extra socket is harmless.
"""

import asyncio
import logging
import time

from django.conf import settings

from wya import hotcache

logger = logging.getLogger(__name__)

TOO_MANY_SOCKETS_CODE = 4029  # 4000 + 29, after HTTP 429: closed by the cap; do not reconnect
EVICT_EVENT = {"type": "socket.evict"}

# user id -> {member: last vouched-for time}: the registry without Redis (one process).
_local: dict[str, dict[str, float]] = {}


def member(channel_name: str) -> str:
    """This socket's registry entry: sorts by the time it opened, then names its channel."""
    return f"{time.time_ns():020d}|{channel_name}"


def channel_of(entry: str) -> str:
    return entry.split("|", 1)[1]


def _key(user_id: str) -> str:
    return hotcache.make_key(f"ws:sockets:{user_id}")


def _ttl() -> int:
    return settings.WS_SOCKET_REGISTRY_TTL_SECONDS


def _oldest_over_cap(entries: list[str], mine: str) -> list[str]:
    cap = settings.WS_MAX_SOCKETS_PER_USER
    others = sorted(entry for entry in entries if entry != mine)
    return others[: max(0, len(others) + 1 - cap)]


def register(user_id: str, entry: str, *, now: float | None = None) -> list[str]:
    """Add this socket; return the entries it pushes over the cap (oldest first), already
    removed from the registry: the caller sends each of them ``EVICT_EVENT``. ``now`` (the
    vouching time) is for tests that play a dead process."""
    now = time.time() if now is None else now
    client = hotcache.redis_client()
    if client is None:
        local = _local.setdefault(user_id, {})
        for stale in [e for e, seen in local.items() if seen < now - _ttl()]:
            del local[stale]
        local[entry] = now
        evicted = _oldest_over_cap(list(local), entry)
        for old in evicted:
            del local[old]
        return evicted
    key = _key(user_id)
    pipe = client.pipeline(transaction=True)
    pipe.zremrangebyscore(key, "-inf", now - _ttl())
    pipe.zadd(key, {entry: now})
    pipe.zrange(key, 0, -1)
    pipe.expire(key, _ttl())
    entries = [raw.decode() for raw in pipe.execute()[2]]
    evicted = _oldest_over_cap(entries, entry)
    if evicted:
        client.zrem(key, *evicted)
    return evicted


def unregister(user_id: str, entry: str) -> None:
    client = hotcache.redis_client()
    if client is None:
        entries = _local.get(user_id, {})
        entries.pop(entry, None)
        if not entries:
            _local.pop(user_id, None)
    else:
        client.zrem(_key(user_id), entry)


def vouch(entries: dict[str, set[str]]) -> None:
    """Refresh the entries of this process's open sockets (user id -> entries): one pipeline."""
    now = time.time()
    client = hotcache.redis_client()
    if client is None:
        for user_id, mine in entries.items():
            for entry in mine & _local.get(user_id, {}).keys():
                _local[user_id][entry] = now
        return
    pipe = client.pipeline(transaction=False)
    for user_id, mine in entries.items():
        pipe.zadd(
            _key(user_id), dict.fromkeys(mine, now), xx=True
        )  # xx: never re-add an evicted one
        pipe.expire(_key(user_id), _ttl())
    pipe.execute()


class LocalSockets:
    """This event loop's open sockets, vouched for every TTL/3 by one task."""

    def __init__(self) -> None:
        self.entries: dict[str, set[str]] = {}
        self._task: asyncio.Task | None = None

    def add(self, user_id: str, entry: str) -> None:
        self.entries.setdefault(user_id, set()).add(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._vouch_forever())

    def discard(self, user_id: str, entry: str) -> None:
        mine = self.entries.get(user_id)
        if mine is not None:
            mine.discard(entry)
            if not mine:
                del self.entries[user_id]

    async def _vouch_forever(self) -> None:
        while self.entries:
            await asyncio.sleep(_ttl() / 3)
            snapshot = {user_id: set(mine) for user_id, mine in self.entries.items()}
            try:
                await asyncio.to_thread(vouch, snapshot)
            except Exception:  # Redis is down: the next round tries again
                logger.exception("socket registry not refreshed")


_loops: dict[asyncio.AbstractEventLoop, LocalSockets] = {}


def local_sockets() -> LocalSockets:
    """The open sockets of the running event loop (its task belongs to that loop)."""
    loop = asyncio.get_running_loop()
    sockets = _loops.get(loop)
    if sockets is None:
        for old in [key for key in _loops if key.is_closed()]:
            del _loops[old]
        sockets = _loops[loop] = LocalSockets()
    return sockets
