"""The per-user socket cap (WS_MAX_SOCKETS_PER_USER, messaging/socket_cap.py): one socket over
the cap closes the user's OLDEST with an ``error`` frame ``too_many_sockets`` and close code 4029;
other users are not touched; a closed socket frees its slot; a dead process's entries expire."""

import time

import pytest
from channels.db import database_sync_to_async as sync_to_async

from messaging import socket_cap
from tests.factories import UserFactory
from tests.messaging.live_helpers import close_code, connect, drain, receive_type, request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cap_of_three(settings):
    settings.WS_MAX_SOCKETS_PER_USER = 3


async def _still_open(ws) -> bool:
    return await request(ws, {"type": "ping"}) == {"type": "pong"}


async def test_one_socket_over_the_cap_closes_the_oldest_with_4029(cap_of_three, member):
    oldest, *others = [await connect(member) for _ in range(3)]

    newest = await connect(member)

    error = await receive_type(oldest, "error")
    assert error["code"] == "too_many_sockets"
    assert "3" in error["detail"]
    assert await close_code(oldest) == socket_cap.TOO_MANY_SOCKETS_CODE == 4029
    for ws in [*others, newest]:
        assert await _still_open(ws)
        await ws.disconnect()


async def test_the_cap_counts_each_user_alone(cap_of_three, member):
    other = await sync_to_async(UserFactory)()
    mine = [await connect(member) for _ in range(3)]

    theirs = [await connect(other) for _ in range(3)]

    for ws in mine + theirs:
        assert not [f for f in await drain(ws) if f.get("code") == "too_many_sockets"]
        assert await _still_open(ws)
        await ws.disconnect()


async def test_a_closed_socket_frees_its_slot(cap_of_three, member):
    first, second, third = [await connect(member) for _ in range(3)]
    await third.disconnect()

    fourth = await connect(member)

    for ws in (first, second, fourth):
        assert not [f for f in await drain(ws) if f.get("code") == "too_many_sockets"]
        assert await _still_open(ws)
        await ws.disconnect()


async def test_sockets_of_a_killed_process_do_not_lock_anyone_out(cap_of_three, member, settings):
    long_ago = time.time() - settings.WS_SOCKET_REGISTRY_TTL_SECONDS - 1
    for n in range(3):  # three sockets of a process that died without unregistering them
        entry = socket_cap.member(f"dead-process.channel{n}")
        await sync_to_async(socket_cap.register)(member.pk, entry, now=long_ago)
    sockets = [await connect(member) for _ in range(3)]

    for ws in sockets:
        assert not [f for f in await drain(ws) if f.get("code") == "too_many_sockets"]
        assert await _still_open(ws)
        await ws.disconnect()


def test_a_socket_its_process_vouches_for_stays_counted(settings, member):
    settings.WS_MAX_SOCKETS_PER_USER = 1
    ttl = settings.WS_SOCKET_REGISTRY_TTL_SECONDS
    alive = socket_cap.member("live-process.channel")
    socket_cap.register(member.pk, alive, now=time.time() - ttl + 1)

    socket_cap.vouch({member.pk: {alive}})  # what its process does every TTL/3
    evicted = socket_cap.register(member.pk, socket_cap.member("new.channel"), now=time.time())

    assert evicted == [alive]


def test_a_socket_nobody_vouches_for_expires(settings, member):
    settings.WS_MAX_SOCKETS_PER_USER = 1
    ttl = settings.WS_SOCKET_REGISTRY_TTL_SECONDS
    dead = socket_cap.member("dead-process.channel")
    socket_cap.register(member.pk, dead, now=time.time() - ttl - 1)

    evicted = socket_cap.register(member.pk, socket_cap.member("new.channel"), now=time.time())

    assert evicted == []
