#!/usr/bin/env python
"""Benchmark live room delivery over real sockets against a RUNNING server (loopback only).

    DATABASE_URL=... REDIS_URL=... .venv/bin/python scripts/bench_live.py \
        --base http://127.0.0.1:8000 --clients 8 --messages 50

The script uses the server's database (same DATABASE_URL) to make N throwaway users, one room and
their tokens, takes a ticket per user over HTTP, connects N sockets, and has every client send
M messages into the room. It prints messages/s (deliveries per second over all sockets) and the
p50/p95 send-to-delivery latency, then deletes what it made. Every loop is bounded.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def setup_data(clients: int):
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from accounts.models import Profile, User
    from rooms.models import ChatRoom, ChatRoomMember, Role
    from tests.factories import birth_date_for_age

    tag = uuid.uuid4().hex[:8]
    users = []
    for n in range(clients):
        user = User.objects.create_user(
            f"bench-{tag}-{n}@example.test", None, date_of_birth=birth_date_for_age(30)
        )
        Profile.objects.create(user=user, display_name=f"bench {n}")
        users.append(user)
    room = ChatRoom.objects.create(room_name=f"bench {tag}", owner=users[0], max_participants=10)
    for n, user in enumerate(users):
        ChatRoomMember.objects.create(
            room=room, user=user, role=Role.OWNER if n == 0 else Role.USER
        )
    tokens = [Token.objects.create(user=user).key for user in users]
    return room, users, tokens


def cleanup(room, users) -> None:
    from messaging.models import Presence

    room.messages.all().delete()
    room.delete()
    Presence.objects.filter(user__in=users).delete()
    for user in users:
        user.delete()


def ticket(base: str, token: str) -> str:
    request = urllib.request.Request(f"{base}/api/ws-ticket/", method="POST", data=b"")  # noqa: S310
    request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())["ticket"]


async def run(
    base: str, room_id: int, tokens: list[str], messages: int, timeout: float, rate: float = 0
):
    from websockets.asyncio.client import connect

    ws_base = base.replace("http", "ws", 1)
    sockets = []
    for token in tokens:
        key = await asyncio.to_thread(ticket, base, token)
        sockets.append(await connect(f"{ws_base}/ws/?ticket={key}", open_timeout=10))
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    expected = len(tokens) * messages * len(tokens)  # every message reaches every socket

    async def reader(ws):
        count = 0
        while count < len(tokens) * messages:
            frame = json.loads(await ws.recv())
            if frame["type"] == "room.message":
                count += 1
                started = sent_at.get(frame["message"]["message"])
                if started is not None:
                    latencies.append(time.perf_counter() - started)
            elif frame["type"] == "error":
                print("error frame:", frame, file=sys.stderr)

    async def writer(n, ws):
        for i in range(messages):
            text = f"bench {n}-{i}"
            sent_at[text] = time.perf_counter()
            await ws.send(json.dumps({"type": "room.send", "room_id": room_id, "message": text}))
            # rate 0: a burst (measures throughput; latency is then mostly queueing);
            # rate R: each client sends R messages per second (latency under a steady load).
            await asyncio.sleep(1 / rate if rate else 0)

    start = time.perf_counter()
    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    await asyncio.gather(*(writer(n, ws) for n, ws in enumerate(sockets)))
    try:
        await asyncio.wait_for(asyncio.gather(*readers), timeout=timeout)
    except TimeoutError:
        print(f"timed out after {timeout}s; partial results", file=sys.stderr)
    elapsed = time.perf_counter() - start
    for ws in sockets:
        await ws.close()
    return elapsed, latencies, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=5, help="sockets in one room (2..10)")
    parser.add_argument("--messages", type=int, default=20, help="messages per client (1..1000)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--rate", type=float, default=0, help="messages per second per client (0: one burst)"
    )
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.base).hostname
    if host not in LOOPBACK:
        parser.error("the benchmark only talks to a server on this machine (loopback)")
    if not 2 <= args.clients <= 10 or not 1 <= args.messages <= 1000:
        parser.error("--clients 2..10 (the Alpha room cap), --messages 1..1000")
    from django.conf import settings

    total = args.clients * args.messages
    limit = settings.RATE_LIMITS["messages"]
    print(f"note: the server's per-user message rate is {limit}; raise RATE_MESSAGES to bench more")
    room, users, tokens = setup_data(args.clients)
    try:
        elapsed, latencies, expected = asyncio.run(
            run(args.base, room.pk, tokens, args.messages, args.timeout, args.rate)
        )
    finally:
        cleanup(room, users)
    delivered = len(latencies)
    mode = f"rate={args.rate}/s per client" if args.rate else "burst"
    print(
        f"clients={args.clients} messages sent={total} ({mode}) deliveries={delivered}/{expected}"
    )
    print(
        f"elapsed={elapsed:.3f}s  deliveries/s={delivered / elapsed:.1f}  sends/s={total / elapsed:.1f}"
    )
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"latency p50={statistics.median(ordered) * 1000:.1f}ms  p95={p95 * 1000:.1f}ms")
    return 0 if delivered == expected else 1


if __name__ == "__main__":
    sys.exit(main())
