"""Live fan-out: persist, then publish. Events go to channel-layer groups after commit.

Group names come from primary keys: ``room.<id>`` for a room's members, ``user.<id>`` for every
socket of one user. A consumer method named after the event's ``type`` (``room.message`` →
``room_message``) receives it.

The socket consumer runs services in the database thread through ``run_collecting``: events
committed there are collected instead of sent from that thread (``async_to_sync`` would hold
the one database thread during every Redis round trip), and the consumer sends them from the
event loop with ``apublish`` as soon as the service has returned, before it acks. Still
persist, then publish: only committed events are ever collected.
"""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

_collecting = threading.local()
logger = logging.getLogger(__name__)
_publish_locks: dict = {}  # event loop -> asyncio.Lock (a lock belongs to one loop)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: str) -> str:
    return f"user.{user_id}"


def publish_now(group: str, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, event)


def publish_on_commit(group: str, event: dict) -> None:
    """Send ``event`` to ``group`` once the current transaction commits (never before).

    ``robust``: a channel layer that is down (Redis restarting) is logged, not raised: the row is
    committed and the request succeeds; sockets catch up through ``after=`` when they reconnect.
    """
    transaction.on_commit(lambda: _publish_or_collect(group, event), robust=True)


def _publish_or_collect(group: str, event: dict) -> None:
    events = getattr(_collecting, "events", None)
    if events is not None:
        events.append((group, event))
    else:
        publish_now(group, event)


def run_collecting(fn, *args, **kwargs):
    """Call the sync ``fn`` and return ``(result, events)``: the events its transactions
    published on commit, for ``apublish`` on the event loop. If ``fn`` raises, what it had
    committed is published here at once (committed events are never dropped)."""
    previous = getattr(_collecting, "events", None)
    events: list[tuple[str, dict]] = []
    _collecting.events = events
    try:
        result = fn(*args, **kwargs)
    except BaseException:
        _collecting.events = previous
        for group, event in events:
            publish_now(group, event)
        raise
    _collecting.events = previous
    return result, events


async def apublish(events: list[tuple[str, dict]]) -> None:
    """Send collected events from the event loop, in order. One publish at a time per process:
    services return from the database thread in commit order and take the lock in that order,
    so a room's messages leave this process in the order they were committed (as when the
    thread itself published)."""
    if not events:
        return
    layer = get_channel_layer()
    async with _publish_lock():
        for group, event in events:
            try:
                await layer.group_send(group, event)
            except Exception:  # the rows are committed; sockets catch up through after=
                logger.exception("live event to %s not sent (channel layer unavailable)", group)


def _publish_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _publish_locks.get(loop)
    if lock is None:
        for old in [key for key in _publish_locks if key.is_closed()]:
            del _publish_locks[old]
        lock = _publish_locks[loop] = asyncio.Lock()
    return lock
