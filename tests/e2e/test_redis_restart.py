"""Must show: the chosen channel layer (wya.layers, Redis pub/sub) loses nothing across a Redis
restart. Pub/sub does not keep what was published while the server's subscription was down, so
the server closes every socket with 1012 once it has resubscribed; the client reconnects and
catches up through ``after=``, and live delivery goes on, exactly once."""

import asyncio
import json
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from channels.db import database_sync_to_async as sync_to_async
from websockets.exceptions import ConnectionClosed

from tests.e2e.servers import free_port, real_stack_reason, running_servers
from tests.e2e.test_two_servers import make_room_with_members, open_socket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT = 30  # seconds for the close and for frames (a bound, not a speed check)
RECONNECT = 1012


class PrivateRedis:
    """A redis-server of this test alone (no persistence: a restart forgets everything)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            ).stdout.strip()
            != b"PONG"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def post_message(base: str, token: str, room_id: int, text: str) -> int | None:
    """POST a room message over REST; the new id, or None when the server answered 503."""
    request = urllib.request.Request(
        f"{base}/api/rooms/{room_id}/messages/",
        method="POST",
        data=json.dumps({"message": text}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())["id"]
    except urllib.error.HTTPError as error:
        assert error.code == 503, error.read()
        return None


def history_after(base: str, token: str, room_id: int, after: int) -> list[int]:
    request = urllib.request.Request(
        f"{base}/api/rooms/{room_id}/messages/?after={after}",
        headers={"Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return [message["id"] for message in json.loads(response.read())["results"]]


async def next_room_message(ws) -> int:
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "room.message":
            return frame["message"]["id"]


async def test_a_redis_restart_closes_sockets_with_1012_and_catch_up_loses_nothing():
    reason = real_stack_reason()
    if reason:
        pytest.skip(reason)
    room, (alice, bob), tokens = await sync_to_async(make_room_with_members)(2)
    redis = PrivateRedis()
    redis.start()
    try:
        with running_servers(1, extra_env={"REDIS_URL": redis.url}) as (base,):
            ws = await open_socket(base, tokens[bob.pk])
            before = await asyncio.to_thread(post_message, base, tokens[alice.pk], room.pk, "1")
            assert await asyncio.wait_for(next_room_message(ws), WAIT) == before

            redis.stop()
            during = await asyncio.to_thread(post_message, base, tokens[alice.pk], room.pk, "2")
            redis.start()
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(next_room_message(ws), WAIT)
            assert closed.value.rcvd.code == RECONNECT

            after = await asyncio.to_thread(post_message, base, tokens[alice.pk], room.pk, "3")
            ws = await open_socket(base, tokens[bob.pk])
            caught_up = await asyncio.to_thread(
                history_after, base, tokens[bob.pk], room.pk, before
            )
            committed = [i for i in (during, after) if i is not None]
            assert caught_up == committed

            live = await asyncio.to_thread(post_message, base, tokens[alice.pk], room.pk, "4")
            assert await asyncio.wait_for(next_room_message(ws), WAIT) == live
            with pytest.raises(TimeoutError):  # and only once
                await asyncio.wait_for(next_room_message(ws), 1)
            await ws.close()
    finally:
        redis.stop()
