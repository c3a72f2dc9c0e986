"""Live fan-out: persist, then publish. Events go to channel-layer groups after commit.

Group names come from primary keys: ``room.<id>`` for a room's members, ``user.<id>`` for every
socket of one user. A consumer method named after the event's ``type`` (``room.message`` →
``room_message``) receives it.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


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
    transaction.on_commit(lambda: publish_now(group, event), robust=True)
