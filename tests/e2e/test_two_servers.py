"""Must show: two real server processes share PostgreSQL and Redis; every room message sent
through either reaches every member's every socket exactly once (the sender's other socket too)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async as sync_to_async
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect as ws_connect

from tests.e2e.servers import http, real_stack_reason, running_servers
from tests.factories import MemberFactory, RoomFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 15  # seconds to wait for every expected frame (a bound, not a speed check)


def make_room_with_members(count: int):
    owner = UserFactory()
    room = RoomFactory(owner=owner)
    users = [owner] + [MemberFactory(room=room).user for _ in range(count - 1)]
    tokens = {user.pk: Token.objects.create(user=user).key for user in users}
    return room, users, tokens


async def open_socket(base: str, token: str):
    ticket = (await asyncio.to_thread(http, base, "POST", "/api/ws-ticket/", token=token))["ticket"]
    return await ws_connect(f"{base.replace('http', 'ws', 1)}/ws/?ticket={ticket}", open_timeout=10)


async def collect(ws, expected_ids: set[int]) -> tuple[list[int], list[dict]]:
    """Room-message ids received until all expected ids arrived, then a quiet moment for extras."""
    got, acks = [], []

    async def read():
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "room.message":
                got.append(frame["message"]["id"])
                if expected_ids <= set(got):
                    return
            elif frame["type"] == "ack":
                acks.append(frame)

    await asyncio.wait_for(read(), timeout=WAIT)
    try:  # anything delivered twice would arrive now
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
            if frame["type"] == "room.message":
                got.append(frame["message"]["id"])
    except TimeoutError:
        pass
    return got, acks


async def test_messages_through_two_servers_reach_every_member_exactly_once():
    reason = real_stack_reason()
    if reason:
        pytest.skip(reason)
    room, users, tokens = await sync_to_async(make_room_with_members)(3)
    alice, bob, carol = users
    with running_servers(2) as (one, two):
        sockets = {
            "alice@1": await open_socket(one, tokens[alice.pk]),
            "alice@2": await open_socket(two, tokens[alice.pk]),
            "bob@2": await open_socket(two, tokens[bob.pk]),
            "carol@1": await open_socket(one, tokens[carol.pk]),
        }
        try:
            sends = [
                ("alice@1", "a1"),
                ("bob@2", "b1"),
                ("carol@1", "c1"),
                ("alice@2", "a2"),
                ("bob@2", "b2"),
            ]
            for name, text in sends:
                frame = {
                    "type": "room.send",
                    "room_id": room.pk,
                    "message": text,
                    "client_id": text,
                }
                await sockets[name].send(json.dumps(frame))
            # the acks tell the ids; every socket collects until it has all of them
            ack_ids = {}
            received = {name: [] for name in sockets}
            acks_needed = {name for name, _ in sends}

            async def acks_of(name):
                while len([c for c in ack_ids if ack_ids[c][0] == name]) < sum(
                    1 for n, _ in sends if n == name
                ):
                    frame = json.loads(await sockets[name].recv())
                    if frame["type"] == "ack":
                        ack_ids[frame["client_id"]] = (name, frame["id"])
                    elif frame["type"] == "room.message":
                        received[name].append(frame["message"]["id"])
                    elif frame["type"] == "error":
                        raise AssertionError(frame)

            await asyncio.wait_for(asyncio.gather(*(acks_of(n) for n in acks_needed)), WAIT)
            expected = {message_id for _, message_id in ack_ids.values()}
            assert len(expected) == len(sends)
            for name, ws in sockets.items():
                already = set(received[name])
                more, _ = await collect(ws, expected - already) if expected - already else ([], [])
                received[name].extend(more)
                assert sorted(received[name]) == sorted(expected), name
        finally:
            for ws in sockets.values():
                await ws.close()
