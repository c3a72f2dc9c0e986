"""A room member who loses the socket mid-conversation misses nothing: the socket delivers what
was sent while connected, REST ``after=<last id>`` returns exactly what was missed, and a resend
of an unacknowledged frame with the same ``client_id`` makes no second message."""

import pytest
from channels.db import database_sync_to_async as db
from channels.layers import get_channel_layer

from rooms.models import ChatRoomMessage
from tests.conftest import api_client_for
from tests.messaging.live_helpers import close_code, connect, receive_until, request
from wya.live import user_group

pytestmark = pytest.mark.django_db(transaction=True)


def is_room_message(frame) -> bool:
    return frame["type"] == "room.message"


async def history_after(user, room, last_id):
    client = await db(api_client_for)(user)
    response = await db(client.get)(f"/api/rooms/{room.pk}/messages/?after={last_id}")
    assert response.status_code == 200
    return response.json()


async def test_a_member_who_reconnects_gets_every_missed_room_message_once(room, owner, member):
    owner_ws = await connect(owner)
    member_ws = await connect(member)

    ack = await request(
        owner_ws, {"type": "room.send", "room_id": room.pk, "message": "hello", "client_id": "c-1"}
    )
    seen = await receive_until(member_ws, is_room_message)
    assert seen["message"]["id"] == ack["id"]
    last_seen_id = seen["message"]["id"]

    # The member's socket drops; they had a frame in flight that may or may not have landed.
    pending = {"type": "room.send", "room_id": room.pk, "message": "am I here?", "client_id": "m-1"}
    first_try = await request(member_ws, pending)
    await member_ws.disconnect()

    missed_ids = []
    for n in range(3):
        frame = {"type": "room.send", "room_id": room.pk, "message": f"missed {n}"}
        missed_ids.append((await request(owner_ws, {**frame, "client_id": f"c-m{n}"}))["id"])

    # Reconnect: resend the pending frame with its client_id, then catch up over REST.
    member_ws = await connect(member)
    resent = await request(member_ws, pending)
    assert resent["type"] == "ack" and resent["id"] == first_try["id"]

    page = await history_after(member, room, last_seen_id)
    fetched = [m["id"] for m in page["results"]]
    assert fetched == sorted([first_try["id"], *missed_ids])
    assert len(set(fetched)) == len(fetched)
    assert await db(ChatRoomMessage.objects.filter(message="am I here?").count)() == 1

    # And live delivery goes on after the reconnect.
    ack = await request(
        owner_ws,
        {"type": "room.send", "room_id": room.pk, "message": "welcome back", "client_id": "c-9"},
    )
    seen = await receive_until(
        member_ws, lambda f: is_room_message(f) and f["message"]["id"] == ack["id"]
    )
    assert seen["message"]["message"] == "welcome back"
    await owner_ws.disconnect()
    await member_ws.disconnect()


async def test_a_socket_whose_channel_layer_missed_events_closes_with_1012_to_catch_up(member):
    # wya.layers sends layer.gap to every local socket after its Redis subscription came back.
    ws = await connect(member)
    await get_channel_layer().group_send(user_group(member.pk), {"type": "layer.gap"})
    assert await close_code(ws) == 1012
