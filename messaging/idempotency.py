"""``client_id`` idempotency for sends, shared by every socket and process through the cache.

The first frame with a ``client_id`` claims it (``cache.add`` is atomic, also on Redis), runs the
send, and stores the committed id for ``settings.CLIENT_ID_TTL_SECONDS``. A resend, also from
another socket of the same user or after a reconnect, gets that first id back and makes no row.
A racing resend waits (bounded) for the first one to finish; if the first one failed, the claim
is released and the resend tries for itself.
"""

import asyncio

from django.conf import settings
from django.core.cache import cache

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


async def once(user_id: str, client_id: str | None, kind: str, send) -> int:
    """Run ``await send()`` (which returns the committed id) at most once per client_id."""
    if client_id is None:
        return await send()
    key = _key(user_id, client_id)
    for _ in range(WAIT_STEPS):
        if await cache.aadd(key, PENDING, timeout=PENDING_TTL_SECONDS):
            try:
                message_id = await send()
            except BaseException:
                await cache.adelete(key)
                raise
            await cache.aset(
                key, {"kind": kind, "id": message_id}, timeout=settings.CLIENT_ID_TTL_SECONDS
            )
            return message_id
        known = _known_id(await cache.aget(key), kind)
        if known is not None:
            return known
        await asyncio.sleep(WAIT_STEP_SECONDS)
    raise Conflict(
        "This client_id is still being processed; resend it shortly.", code="in_progress"
    )
