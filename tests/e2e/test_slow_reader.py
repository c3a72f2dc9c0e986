"""A client that never reads: the server drops its socket once the output waiting for it passes
the bound (WS_SEND_BACKLOG_BYTES, messaging/outbox.py), another member keeps getting every
message live, and the slow client catches up with ``after=`` when it comes back.

The slow client is a raw TCP socket with a small receive buffer that does the WebSocket
handshake and then never reads again. Before the bound, nothing closed such a socket until
uvicorn's keepalive gave up on its pong after ~40 s, while up to ~4 MB of output queued in the
kernel for it (this test then failed: the socket was still open after 1,000 messages)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async as sync_to_async

from scripts.stack import open_unread_socket, read_until_closed
from tests.e2e.servers import http, running_servers
from tests.e2e.test_two_servers import make_room_with_members, open_socket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BACKLOG = 16 * 1024  # the bound the server runs with here (the default is 256 KiB)
TEXT = "x" * 2000  # the longest message: few sends fill the slow socket's buffers
BATCH = 20  # messages sent between two looks at whether the slow socket was dropped
MAX_MESSAGES = 1000  # a bound on the sends (about 2 MB of frames for the slow socket)
WAIT = 15  # seconds to wait for a frame that must come (a bound, not a speed check)


async def test_a_socket_that_never_reads_is_dropped_and_the_others_get_every_message():
    room, users, tokens = await sync_to_async(make_room_with_members)(3)
    alice, bob, carol = users
    with running_servers(
        1, extra_env={"WS_SEND_BACKLOG_BYTES": str(BACKLOG), "RATE_MESSAGES": "100000/min"}
    ) as (base,):
        ticket = (
            await asyncio.to_thread(http, base, "POST", "/api/ws-ticket/", token=tokens[bob.pk])
        )["ticket"]
        slow = await asyncio.to_thread(open_unread_socket, base, ticket)
        sender = await open_socket(base, tokens[alice.pk])
        reader = await open_socket(base, tokens[carol.pk])
        acked: list[int] = []
        live: list[int] = []
        dropped = False

        async def read_reader(until_ids: set[int]) -> None:
            nonlocal dropped
            while not until_ids <= set(live):
                frame = json.loads(await reader.recv())
                if frame["type"] == "room.message":
                    live.append(frame["message"]["id"])
                elif frame["type"] == "presence" and frame["user_id"] == bob.pk:
                    dropped = dropped or frame["status"] == "offline"

        try:
            while not dropped and len(acked) < MAX_MESSAGES:
                for n in range(BATCH):
                    frame = {"type": "room.send", "room_id": room.pk, "message": TEXT,
                             "client_id": f"m{len(acked) + n}"}  # fmt: skip
                    await sender.send(json.dumps(frame))
                batch_ids = set()
                while len(batch_ids) < BATCH:
                    frame = json.loads(await asyncio.wait_for(sender.recv(), WAIT))
                    assert frame["type"] != "error", frame
                    if frame["type"] == "ack":
                        batch_ids.add(frame["id"])
                acked.extend(sorted(batch_ids))
                # the other member gets every message of the batch live, drop or no drop
                await asyncio.wait_for(read_reader(batch_ids), WAIT)
            assert dropped, f"the slow socket was still open after {len(acked)} messages"
            assert await asyncio.to_thread(read_until_closed, slow) in ("reset", "eof")
            assert sorted(live) == sorted(acked)  # every message, once each, to the reader

            # The slow client comes back: a new socket, and after= from the last id it held (none).
            again = await open_socket(base, tokens[bob.pk])
            await again.close()
            caught_up, after = [], 0
            for _ in range(MAX_MESSAGES // 100 + 2):  # bounded pages
                page = await asyncio.to_thread(
                    http, base, "GET", f"/api/rooms/{room.pk}/messages/?after={after}&limit=100",
                    token=tokens[bob.pk],
                )  # fmt: skip
                caught_up += [message["id"] for message in page["results"]]
                after = caught_up[-1] if caught_up else after
                if not page["has_more"]:
                    break
            assert caught_up == sorted(acked)
        finally:
            slow.close()
            await sender.close()
            await reader.close()
