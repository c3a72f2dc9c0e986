"""Heartbeats of one socket process, batched: a ``ping`` is answered at once and its user is
remembered; every ``PRESENCE_HEARTBEAT_FLUSH_SECONDS`` ONE call refreshes ``last_seen_at`` of all
of them (``services.presence_heartbeats``: one UPDATE per 500 users).

Why: at rest every socket pings every 30 s, and a database write per ping was nearly all the CPU
idle sockets cost (docs/performance.md). A batch keeps ``last_seen_at`` at most
``30 + PRESENCE_HEARTBEAT_FLUSH_SECONDS`` seconds old, well inside ``PRESENCE_TIMEOUT_SECONDS``
(90). A process that dies loses its last batch; its users then turn offline through the worker,
as they would anyway.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from django.conf import settings

logger = logging.getLogger(__name__)
Flush = Callable[[set[str]], Awaitable[None]]


class HeartbeatBatch:
    """The users who pinged since the last flush, in one event loop."""

    def __init__(self, flush: Flush) -> None:
        self._flush = flush
        self._user_ids: set[str] = set()
        self._task: asyncio.Task | None = None

    def beat(self, user_id: str) -> None:
        self._user_ids.add(user_id)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_forever())

    async def flush_now(self) -> None:
        user_ids, self._user_ids = self._user_ids, set()
        if user_ids:
            try:
                await self._flush(user_ids)
            except Exception:  # the database is down: the next batch tries again
                logger.exception("heartbeats of %d users not saved", len(user_ids))
                self._user_ids |= user_ids

    async def _flush_forever(self) -> None:
        while self._user_ids:
            await asyncio.sleep(settings.PRESENCE_HEARTBEAT_FLUSH_SECONDS)
            await self.flush_now()


_batches: dict[asyncio.AbstractEventLoop, HeartbeatBatch] = {}


def batch_for_this_loop(flush: Flush) -> HeartbeatBatch:
    """The batch of the running event loop (a batch, like its task, belongs to one loop)."""
    loop = asyncio.get_running_loop()
    batch = _batches.get(loop)
    if batch is None:
        for old in [key for key in _batches if key.is_closed()]:
            del _batches[old]
        batch = _batches[loop] = HeartbeatBatch(flush)
    return batch


async def flush_this_loop() -> None:
    """Save this loop's pending heartbeats now (tests; a stopping process)."""
    batch = _batches.get(asyncio.get_running_loop())
    if batch is not None:
        await batch.flush_now()
