#!/usr/bin/env python
"""CPU of one ``ping`` frame through the socket consumer, in process (channels' communicator).

    DATABASE_URL=postgres://... REDIS_URL=redis://... WS_RATE_PING=100000/min \
        .venv/bin/python bench/ping_cost.py --pings 500

Uses the first active user of DATABASE_URL's database (run ``manage.py seed_demo`` on an empty
one). Prints the process CPU per ping, the communicator's own work included (an upper bound).
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

import django  # noqa: E402

django.setup()

from channels.db import database_sync_to_async  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from messaging.tickets import ticket_issue  # noqa: E402
from wya.asgi import application  # noqa: E402


async def measure(pings: int) -> float:
    user = await database_sync_to_async(
        lambda: get_user_model().objects.filter(is_active=True).first()
    )()
    ticket = await database_sync_to_async(ticket_issue)(user_id=user.pk)
    ws = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await ws.connect()
    assert connected, "the socket did not open"

    async def ping() -> None:
        await ws.send_to(text_data='{"type": "ping"}')
        while (await ws.receive_json_from(timeout=5))["type"] != "pong":
            pass

    for _ in range(50):  # warm-up
        await ping()
    started = time.process_time()
    for _ in range(pings):
        await ping()
    cpu = (time.process_time() - started) / pings
    await ws.disconnect()
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pings", type=int, default=500)
    args = parser.parse_args()
    cpu = asyncio.run(measure(args.pings))
    print(f"pings={args.pings} cpu per ping (communicator included) = {cpu * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
