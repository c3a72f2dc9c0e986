"""Live state on open sockets: membership changes, blocks, logout/ban closes, idempotent sends."""

import asyncio

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.services import account_set_active
from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from tests.conftest import api_client_for
from tests.factories import RoomFactory
from tests.messaging.live_helpers import close_code, connect, drain, receive_until, request, send

pytestmark = pytest.mark.django_db(transaction=True)

db = sync_to_async


def room_messages(frames):
    return [f["message"]["message"] for f in frames if f["type"] == "room.message"]


async def rest(user, method, path, data=None):
    client = await db(api_client_for)(user)
    return await db(getattr(client, method))(path, data or {}, format="json")


async def say(ws, room, text, client_id=None):
    frame = {"type": "room.send", "room_id": room.pk, "message": text}
    if client_id:
        frame["client_id"] = client_id
    return await request(ws, frame)


# --- Membership -----------------------------------------------------------------------------
async def test_a_kicked_member_stops_receiving_at_once(room, owner, member):
    kicked = await connect(member)
    owner_ws = await connect(owner)
    response = await rest(owner, "post", f"/api/rooms/{room.pk}/members/{member.pk}/kick/")
    assert response.status_code in (200, 204)
    event = await receive_until(kicked, lambda f: f["type"] == "room.member")
    assert (event["user_id"], event["event"]) == (member.pk, "kicked")
    await drain(kicked)
    await say(owner_ws, room, "after the kick")
    assert room_messages(await drain(kicked)) == []
    typing = await request(kicked, {"type": "typing", "room_id": room.pk, "state": "start"})
    assert typing["code"] == "not_found"
    await kicked.disconnect()
    await owner_ws.disconnect()


async def test_a_member_who_joins_while_connected_starts_receiving(owner, outsider):
    room = await db(RoomFactory)(owner=owner)
    joiner = await connect(outsider)
    owner_ws = await connect(owner)
    response = await rest(outsider, "post", f"/api/rooms/{room.pk}/join/")
    assert response.status_code in (200, 201)
    joined = [f for f in await drain(joiner) if f["type"] == "room.member"]
    assert [(f["user_id"], f["event"]) for f in joined] == [(outsider.pk, "joined")]
    await say(owner_ws, room, "welcome")
    assert room_messages(await drain(joiner)) == ["welcome"]
    await joiner.disconnect()
    await owner_ws.disconnect()


async def test_a_member_who_leaves_stops_receiving(room, owner, member):
    leaver = await connect(member)
    owner_ws = await connect(owner)
    response = await rest(member, "post", f"/api/rooms/{room.pk}/leave/")
    assert response.status_code in (200, 204)
    await drain(leaver)
    await say(owner_ws, room, "bye")
    assert room_messages(await drain(leaver)) == []
    await leaver.disconnect()
    await owner_ws.disconnect()


# --- Blocks ---------------------------------------------------------------------------------
async def test_a_block_made_while_both_are_connected_takes_effect_at_once(room, owner, member):
    blocker = await connect(owner)
    blocked = await connect(member)
    await say(blocked, room, "before")
    assert room_messages(await drain(blocker)) == ["before"]
    response = await rest(owner, "post", "/api/blocks/", {"user_id": member.pk})
    assert response.status_code in (200, 201)
    await drain(blocked)
    await drain(blocker)
    await say(blocked, room, "after")
    await send(blocked, {"type": "typing", "room_id": room.pk, "state": "start"})
    frames = await drain(blocker)
    assert room_messages(frames) == []
    assert [f for f in frames if f["type"] == "typing"] == []
    await say(blocker, room, "from the blocker")
    assert room_messages(await drain(blocked)) == ["after"]  # only the blocked one's own echo
    dm = await request(blocked, {"type": "dm.send", "to": owner.pk, "message": "hey"})
    assert dm["code"] == "not_found"
    await blocker.disconnect()
    await blocked.disconnect()


async def test_removing_a_block_restores_delivery_on_open_sockets(room, owner, member):
    blocker = await connect(owner)
    other = await connect(member)
    await rest(owner, "post", "/api/blocks/", {"user_id": member.pk})
    await drain(blocker)
    response = await rest(owner, "delete", f"/api/blocks/{member.pk}/")
    assert response.status_code == 204
    await drain(blocker)
    await say(other, room, "friends again")
    assert room_messages(await drain(blocker)) == ["friends again"]
    await blocker.disconnect()
    await other.disconnect()


# --- Socket closes --------------------------------------------------------------------------
async def test_logout_closes_the_sockets_opened_with_that_token_only(member):
    token = await db(lambda: Token.objects.get_or_create(user=member)[0])()
    with_token = await connect(member, token_key=token.key)
    without_token = await connect(member)
    response = await rest(member, "post", "/api/auth/logout/")
    assert response.status_code == 204
    assert await close_code(with_token) == 4001
    assert await request(without_token, {"type": "ping"}) == {"type": "pong"}
    await without_token.disconnect()


async def test_a_platform_ban_closes_every_socket_of_the_user(member):
    first = await connect(member)
    second = await connect(member)
    await db(account_set_active)(user=member, is_active=False)
    for ws in (first, second):
        assert await close_code(ws) == 4001


async def test_a_session_logout_closes_the_cookie_sockets_of_that_session(member):
    from channels.testing import WebsocketCommunicator
    from django.conf import settings

    from wya.asgi import application

    def login():
        client = Client()
        client.force_login(member)
        return client

    client = await db(login)()
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    ws = WebsocketCommunicator(
        application,
        "/ws/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", cookie.encode()),
        ],
    )
    assert (await ws.connect())[0]
    ticket_ws = await connect(member)
    await db(client.post)("/logout/")
    assert await close_code(ws) == 4001
    assert await request(ticket_ws, {"type": "ping"}) == {"type": "pong"}
    await ticket_ws.disconnect()


# --- Idempotent sends -----------------------------------------------------------------------
async def test_a_resent_client_id_returns_the_first_id_and_stores_one_row(room, member):
    ws = await connect(member)
    first = await say(ws, room, "once", client_id="same")
    second = await say(ws, room, "once", client_id="same")
    assert first["type"] == second["type"] == "ack"
    assert first["id"] == second["id"]
    assert await db(ChatRoomMessage.objects.count)() == 1
    await ws.disconnect()


async def test_a_client_id_is_remembered_across_a_reconnect(adult, other_adult):
    ws = await connect(adult)
    frame = {"type": "dm.send", "to": other_adult.pk, "message": "hi", "client_id": "dm-1"}
    first = await request(ws, frame)
    await ws.disconnect()
    again = await connect(adult)
    second = await request(again, frame)
    assert second == {"type": "ack", "client_id": "dm-1", "id": first["id"]}
    assert await db(PrivateMessage.objects.count)() == 1
    await again.disconnect()


async def test_two_sockets_racing_the_same_client_id_make_one_message(room, member):
    one = await connect(member)
    two = await connect(member)
    frame = {"type": "room.send", "room_id": room.pk, "message": "race", "client_id": "r-1"}
    acks = await asyncio.gather(request(one, frame), request(two, frame))
    assert [ack["type"] for ack in acks] == ["ack", "ack"]
    assert acks[0]["id"] == acks[1]["id"]
    assert await db(ChatRoomMessage.objects.count)() == 1
    await one.disconnect()
    await two.disconnect()


async def test_a_failed_send_does_not_burn_its_client_id(room, outsider, owner):
    ws = await connect(outsider)
    frame = {"type": "room.send", "room_id": room.pk, "message": "let me in", "client_id": "f-1"}
    assert (await request(ws, frame))["type"] == "error"
    await rest(outsider, "post", f"/api/rooms/{room.pk}/join/")
    await drain(ws)
    assert (await request(ws, frame))["type"] == "ack"
    await ws.disconnect()


async def test_the_same_client_id_from_another_user_is_independent(room, owner, member):
    a = await connect(owner)
    b = await connect(member)
    first = await say(a, room, "a", client_id="shared")
    second = await say(b, room, "b", client_id="shared")
    assert first["id"] != second["id"]
    await a.disconnect()
    await b.disconnect()
