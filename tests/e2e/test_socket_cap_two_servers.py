"""The socket cap holds across processes (Redis registry, pub/sub layer): a user with ten
sockets spread over two real servers who opens an eleventh on either closes the OLDEST, wherever
it lives, with an ``error`` frame ``too_many_sockets`` and close code 4029; the others stay."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async as sync_to_async
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed

from tests.e2e.servers import real_stack_reason, running_servers
from tests.e2e.test_two_servers import open_socket
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30  # seconds for an expected frame or close (a bound, not a speed check)
CAP = 10


def make_token() -> str:
    return Token.objects.create(user=UserFactory()).key


async def frames_until_closed(ws) -> tuple[list[dict], int | None]:
    frames = []

    async def read():
        try:
            while True:
                frames.append(json.loads(await ws.recv()))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    return frames, await asyncio.wait_for(read(), timeout=WAIT)


async def pong(ws) -> bool:
    await ws.send(json.dumps({"type": "ping"}))

    async def read():
        while json.loads(await ws.recv())["type"] != "pong":
            pass
        return True

    return await asyncio.wait_for(read(), timeout=WAIT)


async def test_the_eleventh_socket_across_two_processes_closes_the_oldest():
    reason = real_stack_reason()
    if reason:
        pytest.skip(reason)
    token = await sync_to_async(make_token)()
    env = {"WS_MAX_SOCKETS_PER_USER": str(CAP), "RATE_WRITES": "1000/min"}
    with running_servers(2, extra_env=env) as (one, two):
        sockets = []
        for n in range(CAP):  # the oldest on server two, then alternating
            sockets.append(await open_socket(two if n % 2 == 0 else one, token))
        oldest, rest = sockets[0], sockets[1:]

        eleventh = await open_socket(one, token)

        frames, code = await frames_until_closed(oldest)
        assert code == 4029
        assert [f["code"] for f in frames if f["type"] == "error"] == ["too_many_sockets"]
        for ws in [*rest, eleventh]:
            assert await pong(ws)
        await asyncio.gather(*(ws.close() for ws in [*rest, eleventh]))
