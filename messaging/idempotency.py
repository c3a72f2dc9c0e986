"""``client_id`` idempotency for sends, shared by every socket and process through the cache.

The first frame with a ``client_id`` claims it (``hotcache.add`` is atomic, also on Redis), runs the
send, and stores the committed id for ``settings.CLIENT_ID_TTL_SECONDS``. A resend, also from
another socket of the same user or after a reconnect, gets that first id back and makes no row.
A racing resend waits (bounded) for the first one to finish; if the first one failed, the claim
is released and the resend tries for itself.

The claim, the send and the stored id happen in ONE call of the sync ``attempt`` (one hop to
the database thread per send, not three); only the waiting of a racing resend is async.
"""

import asyncio

from django.conf import settings

from wya import hotcache
from wya.errors import Conflict

PENDING = "pending"
PENDING_TTL_SECONDS = 30  # a claim whose process died is released after this
WAIT_STEP_SECONDS = 0.05
WAIT_STEPS = 200  # at most ~10 s of waiting for a racing send


def _key(user_id: str, client_id: str) -> str:
    return f"client-id:{user_id}:{client_id}"


def _known_id(value, kind: str) -> int | None:
    if isinstance(value, dict):
        if value.get("kind") != kind:
            raise Conflict("This client_id was already used for another kind of message.")
        return value["id"]
    return None


def attempt(user_id: str, client_id: str, kind: str, send) -> int | None:
    """Sync: claim ``client_id``, run ``send()`` (returns the committed id) and store the id.
    Returns the FIRST id when the client_id was already used, and ``None`` while another send
    of it holds the claim without an id yet (wait, then attempt again)."""
    key = _key(user_id, client_id)
    if hotcache.add(key, PENDING, timeout=PENDING_TTL_SECONDS):
        try:
            message_id = send()
        except BaseException:
            hotcache.delete(key)
            raise
        hotcache.set(key, {"kind": kind, "id": message_id}, timeout=settings.CLIENT_ID_TTL_SECONDS)
        return message_id
    return _known_id(hotcache.get(key), kind)


async def once(user_id: str, client_id: str | None, kind: str, send, *, run) -> int:
    """Run the sync ``send()`` at most once per client_id; ``run(fn)`` awaits a sync callable
    off the event loop (the consumer's database thread) and returns its result."""
    if client_id is None:
        return await run(send)
    for _ in range(WAIT_STEPS):
        message_id = await run(lambda: attempt(user_id, client_id, kind, send))
        if message_id is not None:
            return message_id
        await asyncio.sleep(WAIT_STEP_SECONDS)
    raise Conflict(
        "This client_id is still being processed; resend it shortly.", code="in_progress"
    )
