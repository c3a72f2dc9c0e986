"""Every client frame over a real /ws/ socket (ticket auth), and every refusal."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.utils import timezone

from messaging import heartbeats
from messaging.models import Presence, PrivateMessage
from rooms.models import ChatRoomMember, ChatRoomMessage
from tests.factories import BlockFactory, MemberFactory, ModerationActionFactory, RoomFactory
from tests.messaging.live_helpers import (
    connect,
    drain,
    receive_type,
    receive_until,
    request,
    send,
)
from wya.live import publish_now, user_group

pytestmark = pytest.mark.django_db(transaction=True)

db = sync_to_async


# --- ping and bad frames --------------------------------------------------------------------
async def test_ping_answers_pong_at_once_and_the_batch_refreshes_the_heartbeat(member):
    ws = await connect(member)
    before = (await db(Presence.objects.get)(user=member)).last_seen_at
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    await heartbeats.flush_this_loop()  # what the batch does every PRESENCE_HEARTBEAT_FLUSH_SECONDS
    after = (await db(Presence.objects.get)(user=member)).last_seen_at
    assert after > before
    await ws.disconnect()


async def test_the_batch_saves_heartbeats_by_itself_after_its_interval(member, settings):
    settings.PRESENCE_HEARTBEAT_FLUSH_SECONDS = 0.2
    ws = await connect(member)
    before = (await db(Presence.objects.get)(user=member)).last_seen_at
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    for _ in range(50):  # a bound (10 s), not a speed check
        await asyncio.sleep(0.2)
        if (await db(Presence.objects.get)(user=member)).last_seen_at > before:
            break
    assert (await db(Presence.objects.get)(user=member)).last_seen_at > before
    await ws.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{nope", "invalid"),
        ("[1, 2]", "invalid"),
        ('"text"', "invalid"),
        ('{"no_type": 1}', "invalid"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "room.send", "room_id": "7", "message": "hi"}', "invalid"),
        ('{"type": "room.send", "room_id": true, "message": "hi"}', "invalid"),
        ('{"type": "room.send", "message": "hi"}', "invalid"),
        ('{"type": "dm.send", "to": 5, "message": "hi"}', "invalid"),
        ('{"type": "dm.send", "message": "hi"}', "invalid"),
        ('{"type": "dm.send", "to": "x", "message": 5}', "invalid"),
        ('{"type": "typing", "state": "start"}', "invalid"),
        ('{"type": "typing", "room_id": 1, "state": "dancing"}', "invalid"),
        ('{"type": "presence", "status": "offline"}', "invalid"),
        ('{"type": "presence", "status": "online", "activity": "sleeping"}', "invalid"),
        ('{"type": "room.read"}', "invalid"),
        ('{"type": "room.send", "room_id": 1, "message": "hi", "client_id": 7}', "invalid"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_socket_stays_usable(member, raw, code):
    ws = await connect(member)
    error = await request(ws, raw)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["detail"]
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    await ws.disconnect()


async def test_an_oversize_frame_is_refused_and_the_socket_stays_usable(member, settings):
    ws = await connect(member)
    big = json.dumps({"type": "ping", "pad": "x" * settings.WS_MAX_FRAME_BYTES})
    error = await request(ws, big)
    assert error["code"] == "too_large"
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    await ws.disconnect()


async def test_the_frame_limit_counts_bytes_not_characters(member, settings):
    ws = await connect(member)
    # Fewer characters than the limit, but more bytes: each "é" is two bytes in UTF-8.
    wide = json.dumps(
        {"type": "ping", "pad": "é" * (settings.WS_MAX_FRAME_BYTES // 2)}, ensure_ascii=False
    )
    assert len(wide) < settings.WS_MAX_FRAME_BYTES < len(wide.encode())
    error = await request(ws, wide)
    assert error["code"] == "too_large"
    await ws.disconnect()


async def test_a_too_long_client_id_is_refused(member, room):
    ws = await connect(member)
    frame = {"type": "room.send", "room_id": room.pk, "message": "hi", "client_id": "x" * 65}
    assert (await request(ws, frame))["code"] == "invalid"
    assert await db(ChatRoomMessage.objects.count)() == 0
    await ws.disconnect()


# --- room.send ------------------------------------------------------------------------------
async def test_room_send_is_acked_and_reaches_every_member_once(room, owner, member, outsider):
    sender = await connect(member)
    senders_other_socket = await connect(member)
    owner_ws = await connect(owner)
    outsider_ws = await connect(outsider)
    frame = {"type": "room.send", "room_id": room.pk, "message": "hi all", "client_id": "c-1"}
    await send(sender, frame)
    frames = await drain(sender)
    acks = [f for f in frames if f["type"] == "ack"]
    stored = await db(ChatRoomMessage.objects.get)()
    assert acks == [{"type": "ack", "client_id": "c-1", "id": stored.id}]
    for ws in (sender, senders_other_socket, owner_ws):
        delivered = [f for f in (frames if ws is sender else await drain(ws))]
        messages = [f["message"] for f in delivered if f["type"] == "room.message"]
        assert len(messages) == 1
        assert messages[0]["id"] == stored.id
        assert messages[0]["message"] == "hi all"
        assert messages[0]["user_id"] == member.pk
        assert set(messages[0]) == {
            "id",
            "room_id",
            "user_id",
            "message",
            "media_url",
            "created_at",
        }
    assert [f for f in await drain(outsider_ws) if f["type"] == "room.message"] == []
    for ws in (sender, senders_other_socket, owner_ws, outsider_ws):
        await ws.disconnect()


async def test_room_send_to_a_room_i_am_not_in_is_refused(outsider, room):
    ws = await connect(outsider)
    error = await request(ws, {"type": "room.send", "room_id": room.pk, "message": "hi"})
    assert error["type"] == "error" and error["code"] in ("not_member", "forbidden")
    missing = await request(ws, {"type": "room.send", "room_id": 999999, "message": "hi"})
    assert missing["code"] == "not_found"
    assert await db(ChatRoomMessage.objects.count)() == 0
    await ws.disconnect()


async def test_a_muted_member_gets_a_muted_error(member, room):
    await db(ModerationActionFactory)(target_user=member, action_type="mute", duration_minutes=60)
    ws = await connect(member)
    frame = {"type": "room.send", "room_id": room.pk, "message": "hi", "client_id": "m1"}
    error = await request(ws, frame)
    assert error == {**error, "type": "error", "code": "muted", "client_id": "m1"}
    await ws.disconnect()


async def test_the_shared_message_rate_limit_gives_rate_limited(member, room, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "messages": "2/min"}
    ws = await connect(member)
    codes = []
    for n in range(3):
        reply = await request(ws, {"type": "room.send", "room_id": room.pk, "message": f"m{n}"})
        codes.append(reply.get("code", reply["type"]))
    assert codes == ["ack", "ack", "rate_limited"]
    await ws.disconnect()


# --- dm.send --------------------------------------------------------------------------------
async def test_dm_send_reaches_both_people_and_the_senders_other_socket(adult, other_adult):
    sender = await connect(adult)
    sender_other = await connect(adult)
    recipient = await connect(other_adult)
    ack = await request(
        sender, {"type": "dm.send", "to": other_adult.pk, "message": "psst", "client_id": "d1"}
    )
    dm = await db(PrivateMessage.objects.get)()
    assert ack == {"type": "ack", "client_id": "d1", "id": dm.id}
    for ws in (sender, sender_other, recipient):
        frame = await receive_type(ws, "dm.message")
        assert frame["message"]["id"] == dm.id
        assert frame["message"]["sender_id"] == adult.pk
        assert frame["message"]["recipient_id"] == other_adult.pk
    for ws in (sender, sender_other, recipient):
        await ws.disconnect()


async def test_dm_send_to_a_blocked_or_unknown_user_is_not_found(adult, other_adult):
    await db(BlockFactory)(blocker=other_adult, blocked=adult)
    ws = await connect(adult)
    assert (await request(ws, {"type": "dm.send", "to": other_adult.pk, "message": "x"}))[
        "code"
    ] == "not_found"
    assert (await request(ws, {"type": "dm.send", "to": "nobody", "message": "x"}))[
        "code"
    ] == "not_found"
    await ws.disconnect()


async def test_a_restricted_sender_cannot_start_a_conversation(adult, other_adult):
    await db(ModerationActionFactory)(target_user=adult, action_type="restrict")
    ws = await connect(adult)
    reply = await request(ws, {"type": "dm.send", "to": other_adult.pk, "message": "hello?"})
    assert reply["code"] == "restricted"
    await ws.disconnect()


# --- typing ---------------------------------------------------------------------------------
async def test_room_typing_reaches_the_others_never_the_sender_and_is_throttled(
    room, owner, member
):
    typist = await connect(member)
    typist_other_socket = await connect(member)
    watcher = await connect(owner)
    await drain(watcher)
    await send(typist, {"type": "typing", "room_id": room.pk, "state": "start"})
    await send(typist, {"type": "typing", "room_id": room.pk, "state": "start"})  # throttled
    await send(typist, {"type": "typing", "room_id": room.pk, "state": "stop"})
    seen = [f for f in await drain(watcher) if f["type"] == "typing"]
    assert seen == [
        {"type": "typing", "user_id": member.pk, "room_id": room.pk, "state": "start"},
        {"type": "typing", "user_id": member.pk, "room_id": room.pk, "state": "stop"},
    ]
    assert [f for f in await drain(typist) if f["type"] == "typing"] == []
    assert [f for f in await drain(typist_other_socket) if f["type"] == "typing"] == []
    for ws in (typist, typist_other_socket, watcher):
        await ws.disconnect()


async def test_dm_typing_reaches_the_partner_with_from(adult, other_adult):
    typist = await connect(adult)
    partner = await connect(other_adult)
    await send(typist, {"type": "typing", "to": other_adult.pk, "state": "start"})
    frame = await receive_type(partner, "typing")
    assert frame == {"type": "typing", "user_id": adult.pk, "from": adult.pk, "state": "start"}
    await typist.disconnect()
    await partner.disconnect()


async def test_typing_is_never_delivered_across_a_block(room, owner, member):
    await db(BlockFactory)(blocker=owner, blocked=member)
    typist = await connect(member)
    watcher = await connect(owner)
    await drain(watcher)
    await send(typist, {"type": "typing", "room_id": room.pk, "state": "start"})
    dm_typing = await request(typist, {"type": "typing", "to": owner.pk, "state": "start"})
    assert dm_typing["code"] == "not_found"
    assert [f for f in await drain(watcher) if f["type"] == "typing"] == []
    await typist.disconnect()
    await watcher.disconnect()


async def test_typing_in_a_room_i_am_not_in_is_not_found(outsider, room):
    ws = await connect(outsider)
    error = await request(ws, {"type": "typing", "room_id": room.pk, "state": "start"})
    assert error["code"] == "not_found"
    await ws.disconnect()


# --- presence -------------------------------------------------------------------------------
async def test_a_presence_frame_updates_the_row_and_tells_room_mates_only(
    room, owner, member, outsider
):
    ws = await connect(member)
    watcher = await connect(owner)
    stranger = await connect(outsider)
    await drain(watcher)
    await drain(stranger)
    await send(
        ws, {"type": "presence", "status": "away", "activity": "browsing", "room_id": room.pk}
    )
    frame = await receive_until(
        watcher, lambda f: f["type"] == "presence" and f["user_id"] == member.pk
    )
    assert frame == {
        "type": "presence",
        "user_id": member.pk,
        "status": "away",
        "activity": "browsing",
        "room_id": room.pk,
    }
    row = await db(Presence.objects.get)(user=member)
    assert (row.status, row.activity, row.room_id) == ("away", "browsing", room.pk)
    assert [f for f in await drain(stranger) if f["type"] == "presence"] == []
    for socket in (ws, watcher, stranger):
        await socket.disconnect()


async def test_presence_in_a_room_i_am_not_in_is_refused(outsider, room):
    ws = await connect(outsider)
    error = await request(ws, {"type": "presence", "status": "online", "room_id": room.pk})
    assert error["code"] == "not_found"
    await ws.disconnect()


async def test_connecting_marks_online_and_the_last_disconnect_marks_offline(member):
    first = await connect(member)
    second = await connect(member)
    assert (await db(Presence.objects.get)(user=member)).status == "online"
    await first.disconnect()
    assert (await db(Presence.objects.get)(user=member)).status == "online"
    await second.disconnect()
    assert (await db(Presence.objects.get)(user=member)).status == "offline"


# --- room.read ------------------------------------------------------------------------------
async def test_room_read_moves_my_read_marker(member, room):
    ws = await connect(member)
    await send(ws, {"type": "room.read", "room_id": room.pk})
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    membership = await db(ChatRoomMember.objects.get)(room=room, user=member)
    assert membership.last_seen_at is not None
    assert membership.last_seen_at <= timezone.now()
    await ws.disconnect()


async def test_room_read_of_a_room_i_am_not_in_is_not_found(outsider, room):
    ws = await connect(outsider)
    assert (await request(ws, {"type": "room.read", "room_id": room.pk}))["code"] == "not_found"
    await ws.disconnect()


# --- notice ---------------------------------------------------------------------------------
async def test_a_moderation_notice_reaches_its_target(member):
    ws = await connect(member)
    action = {"action_type": "warn", "reason": "Be kind.", "expires_at": None}
    await db(publish_now)(user_group(member.pk), {"type": "notice", "action": action})
    assert await receive_type(ws, "notice") == {"type": "notice", "action": action}
    await ws.disconnect()


async def test_a_member_of_another_room_gets_nothing_from_this_one(room, member):
    other_room = await db(RoomFactory)()
    other = await db(lambda: MemberFactory(room=other_room).user)()
    ws = await connect(other)
    await drain(ws)
    sender = await connect(member)
    await request(sender, {"type": "room.send", "room_id": room.pk, "message": "private"})
    assert [f for f in await drain(ws) if f["type"] == "room.message"] == []
    await ws.disconnect()
    await sender.disconnect()
