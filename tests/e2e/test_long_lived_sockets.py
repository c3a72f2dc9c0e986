"""Sockets stay up on the real stack: idle and active sockets held open for two minutes on the
Redis channel layer are never closed by the server, and still deliver afterwards.

Regression: redis-py 8 reads with a 5 s socket timeout, the same as channels-redis' blocking pop,
so every socket's receive loop raised TimeoutError and the server closed it with 1011 within
5-20 s. The soak length is a bound on how long the sockets must survive, not a speed check."""

import asyncio
import json
import os

import pytest
from channels.db import database_sync_to_async as sync_to_async
from websockets.exceptions import ConnectionClosed

from tests.e2e.servers import real_stack_reason, running_servers
from tests.e2e.test_two_servers import make_room_with_members, open_socket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SOAK_SECONDS = float(os.environ.get("WYA_SOCKET_SOAK_SECONDS", "120"))
PING_EVERY = 5  # seconds between an active socket's pings (as the pages do)
WAIT = 15  # seconds to wait for a frame that must come (a bound, not a speed check)


async def hold_idle(ws, seconds: float) -> None:
    """Send nothing and read whatever the server pushes (presence of the others); a close
    before the end fails the test."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        while (left := deadline - loop.time()) > 0:
            try:
                await asyncio.wait_for(ws.recv(), timeout=left)
            except TimeoutError:
                return
    except ConnectionClosed as closed:
        raise AssertionError(f"idle socket closed by the server: {closed}") from closed


async def next_frame_of_type(ws, frame_type: str) -> dict:
    async def read():
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == frame_type:
                return frame

    return await asyncio.wait_for(read(), timeout=WAIT)


async def hold_pinging(ws, seconds: float) -> int:
    """Ping every few seconds and expect a pong each time; returns how many pongs came."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    pongs = 0
    try:
        while loop.time() < deadline:
            await ws.send(json.dumps({"type": "ping"}))
            await next_frame_of_type(ws, "pong")
            pongs += 1
            await asyncio.sleep(min(PING_EVERY, max(0.0, deadline - loop.time())))
    except ConnectionClosed as closed:
        raise AssertionError(f"active socket closed by the server: {closed}") from closed
    return pongs


@pytest.mark.timeout(SOAK_SECONDS + 120)
async def test_idle_and_active_sockets_stay_open_for_two_minutes_on_redis():
    reason = real_stack_reason()
    if reason:
        pytest.skip(reason)
    room, users, tokens = await sync_to_async(make_room_with_members)(4)
    with running_servers(1) as (base,):
        sockets = [await open_socket(base, tokens[user.pk]) for user in users]
        idle, active = sockets[:2], sockets[2:]
        try:
            results = await asyncio.gather(
                *(hold_idle(ws, SOAK_SECONDS) for ws in idle),
                *(hold_pinging(ws, SOAK_SECONDS) for ws in active),
            )
            expected_pongs = int(SOAK_SECONDS // PING_EVERY)
            assert all(pongs >= expected_pongs for pongs in results[2:]), results
            # still live after the soak: a message from an active socket reaches all four
            frame = {"type": "room.send", "room_id": room.pk, "message": "still here"}
            await active[0].send(json.dumps({**frame, "client_id": "soak"}))
            messages = await asyncio.gather(
                *(next_frame_of_type(ws, "room.message") for ws in sockets)
            )
            assert {f["message"]["message"] for f in messages} == {"still here"}
            assert len({f["message"]["id"] for f in messages}) == 1
        finally:
            for ws in sockets:
                await ws.close()
