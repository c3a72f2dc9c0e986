#!/usr/bin/env python
"""Fault drills on PRIVATE PostgreSQL and Redis instances (never the shared ones).

    .venv/bin/python scripts/fault_drills.py redis      # Redis restarted during traffic
    .venv/bin/python scripts/fault_drills.py postgres   # PostgreSQL restarted during traffic
    .venv/bin/python scripts/fault_drills.py sigkill    # one of two servers SIGKILLed
    .venv/bin/python scripts/fault_drills.py all

Each drill starts its own PostgreSQL cluster (initdb in a temporary directory, port
DRILL_PG_PORT=22432, run as the ``postgres`` user when this runs as root) and its own Redis
(DRILL_REDIS_PORT=22379), migrates, creates a room with DRILL_CLIENTS members, starts uvicorn
servers (scripts/serve.sh, through scripts/stack.py) on DRILL_PORT_BASE=22100+, and then:

- every member keeps a socket open; on a close it reconnects (to the next server) and catches up
  through ``GET /api/rooms/<id>/messages/?after=<last id>``; ids are deduplicated by the client,
  and a message delivered twice LIVE counts as a duplicate;
- a sender posts DRILL_RATE messages per second through REST for DRILL_SECONDS, the fault
  happening after a third of that time; every 201 is a committed message (acked after commit);
- at the end every client must hold every acked id (live or through ``after=``), none twice live.

It prints one JSON line of figures per drill (docs/reliability.md quotes them) and exits non-zero
if a promise failed. Every loop is bounded; every process it started is stopped on the way out.
"""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect as ws_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import (  # noqa: E402
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    start_servers,
    started_processes,
)

PYTHON = sys.executable
PG_PORT = int(os.environ.get("DRILL_PG_PORT", "22432"))
REDIS_PORT = int(os.environ.get("DRILL_REDIS_PORT", "22379"))
PORT_BASE = int(os.environ.get("DRILL_PORT_BASE", "22100"))
CLIENTS = int(os.environ.get("DRILL_CLIENTS", "8"))
SECONDS = float(os.environ.get("DRILL_SECONDS", "15"))
RATE = float(os.environ.get("DRILL_RATE", "10"))
CATCH_UP_BOUND = 30.0  # seconds the clients get to hold every acked message after the traffic


def log(*parts) -> None:
    print("[drill]", *parts, file=sys.stderr, flush=True)


# --- The application ------------------------------------------------------------------------
def app_env(pg: PrivatePostgres, redis: PrivateRedis) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg.url(),
        REDIS_URL=redis.url(),
        CHANNEL_LAYER_PREFIX="wya-drill",
        CACHE_KEY_PREFIX="wya-drill",
        DEBUG="true",
        RATE_MESSAGES="100000/min",
        DATABASE_POOL_TIMEOUT="3",
        PRESENCE_TIMEOUT_SECONDS="10",
    )
    return env


SETUP = """
import datetime
import json
from rest_framework.authtoken.models import Token
from accounts.models import Profile, User
from rooms.services import room_create, room_member_add
n = {clients}
users = []
for i in range(n + 1):
    user = User.objects.create_user(email=f"drill{{i}}@example.test", password="drill-passphrase-123", date_of_birth=datetime.date(1990, 1, 1))
    Profile.objects.create(user=user, display_name=f"Drill {{i}}")
    users.append(user)
room = room_create(user=users[0], room_name="Drill room", max_participants=10)
for user in users[1:]:
    room_member_add(actor=users[0], room_id=room.pk, user_id=user.pk)
print(json.dumps({{"room_id": room.pk, "tokens": [Token.objects.create(user=u).key for u in users]}}))
"""


def prepare(env: dict) -> dict:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SETUP.format(clients=min(CLIENTS, 9))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"setup failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def http(
    base: str, method: str, path: str, token: str, body: dict | None = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except OSError:
        return 0, {}


# --- Clients ----------------------------------------------------------------------------------
class Client:
    def __init__(self, token: str, bases: list[str], room_id: int, first: int):
        self.token, self.bases, self.room_id = token, bases, room_id
        self.base_index = first
        self.seen: set[int] = set()
        self.last_id = 0
        self.live_duplicates = 0
        self.reconnects = 0
        self.caught_up = 0

    @property
    def base(self) -> str:
        return self.bases[self.base_index % len(self.bases)]

    def record(self, message_id: int) -> None:
        """Clients deduplicate by id: a message both live and caught up is held once."""
        if message_id in self.seen:
            return
        self.seen.add(message_id)
        self.last_id = max(self.last_id, message_id)

    async def catch_up(self) -> None:
        for _ in range(100):  # bounded pages
            status, body = await asyncio.to_thread(
                http,
                self.base,
                "GET",
                f"/api/rooms/{self.room_id}/messages/?after={self.last_id}&limit=100",
                self.token,
            )
            if status != 200:
                return
            for message in body["results"]:
                if message["id"] not in self.seen:
                    self.caught_up += 1
                self.record(message["id"])
            if not body["has_more"]:
                return

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            socket_ids: set[int] = set()
            try:
                status, body = await asyncio.to_thread(
                    http, self.base, "POST", "/api/ws-ticket/", self.token
                )
                if status != 201:
                    raise ConnectionError(f"ticket {status}")
                url = f"{self.base.replace('http', 'ws', 1)}/ws/?ticket={body['ticket']}"
                async with ws_connect(url, open_timeout=5, ping_interval=None) as ws:
                    await self.catch_up()
                    while not stop.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                        except TimeoutError:
                            continue
                        frame = json.loads(raw)
                        if frame.get("type") == "room.message":
                            message_id = frame["message"]["id"]
                            if message_id in socket_ids:
                                self.live_duplicates += 1
                            socket_ids.add(message_id)
                            self.record(message_id)
            except Exception:  # closed, refused, server gone: reconnect to the next server
                if stop.is_set():
                    return
                self.reconnects += 1
                self.base_index += 1
                await asyncio.sleep(0.5)


async def traffic(bases, tokens, room_id, fault, *, first_server=lambda i: 0) -> dict:
    stop = asyncio.Event()
    clients = [Client(token, bases, room_id, first_server(i)) for i, token in enumerate(tokens[1:])]
    tasks = [asyncio.create_task(client.run(stop)) for client in clients]
    await asyncio.sleep(2)  # sockets open
    acked, statuses = [], {}
    start = time.monotonic()
    fault_at, faulted, i = SECONDS / 3, False, 0
    sender_base = [bases[-1]]
    while time.monotonic() - start < SECONDS:
        if not faulted and time.monotonic() - start >= fault_at:
            faulted = True  # the fault runs beside the traffic: requests go on during it
            fault_task = asyncio.create_task(asyncio.to_thread(fault))
        status, body = await asyncio.to_thread(
            http,
            sender_base[0],
            "POST",
            f"/api/rooms/{room_id}/messages/",
            tokens[0],
            {"message": f"drill {i}"},
        )
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            acked.append(body["id"])
        i += 1
        await asyncio.sleep(1 / RATE)
    fault_info = await fault_task if faulted else {}
    sent_done = time.monotonic()
    deadline = sent_done + CATCH_UP_BOUND
    want = set(acked)
    while time.monotonic() < deadline and not all(want <= c.seen for c in clients):
        for client in clients:  # a client whose socket stayed open but missed frames catches up now
            if not want <= client.seen:
                await client.catch_up()
        await asyncio.sleep(0.5)
    all_held_after = round(time.monotonic() - sent_done, 1)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    missing = sum(len(want - c.seen) for c in clients)
    return {
        "clients": len(clients),
        "sent": i,
        "statuses": statuses,
        "acked": len(acked),
        "missing_after_catch_up": missing,
        "live_duplicates": sum(c.live_duplicates for c in clients),
        "reconnects": sum(c.reconnects for c in clients),
        "caught_up_through_after": sum(c.caught_up for c in clients),
        "all_held_seconds_after_traffic": all_held_after,
        **fault_info,
    }


def rows_in_database(pg: PrivatePostgres) -> int:
    out = subprocess.run(
        ["psql", "-At", pg.url(), "-c", "SELECT count(*) FROM chat_room_messages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip())


# --- Drills -----------------------------------------------------------------------------------
@contextlib.contextmanager
def stack(servers: int):
    pg, redis = PrivatePostgres(PG_PORT), PrivateRedis(REDIS_PORT)
    try:
        pg.start()
        pg.create_database()
        redis.start()
        env = app_env(pg, redis)
        data = prepare(env)
        with started_processes() as processes:
            ports = [PORT_BASE + n for n in range(servers)]
            bases = start_servers(ports, env=env, started=processes)
            yield pg, redis, processes, bases, data
    finally:
        redis.stop()
        pg.cleanup()


def drill_redis() -> dict:
    with stack(1) as (_pg, redis, _procs, bases, data):

        def fault():
            began = time.monotonic()
            redis.stop()
            time.sleep(2)
            redis.start()
            return {"redis_down_seconds": round(time.monotonic() - began, 1)}

        result = asyncio.run(traffic(bases, data["tokens"], data["room_id"], fault))
    return {"drill": "redis_restart", **result}


def drill_postgres() -> dict:
    with stack(1) as (pg, _redis, _procs, bases, data):

        def fault():
            began = time.monotonic()
            pg.stop("fast")
            time.sleep(4)
            pg.start()
            return {"postgres_down_seconds": round(time.monotonic() - began, 1)}

        result = asyncio.run(traffic(bases, data["tokens"], data["room_id"], fault))
        rows = rows_in_database(pg)
    result["rows_in_database"] = rows
    result["half_written_rows"] = rows - result["acked"]
    return {"drill": "postgres_restart", **result}


def drill_sigkill() -> dict:
    with stack(2) as (_pg, _redis, processes, bases, data):

        def fault():
            processes[0].send_signal(signal.SIGKILL)
            processes[0].wait(timeout=10)
            return {"killed_server": bases[0]}

        result = asyncio.run(
            traffic(bases, data["tokens"], data["room_id"], fault, first_server=lambda i: i % 2)
        )
    return {"drill": "sigkill_one_of_two", **result}


DRILLS = {
    "redis": drill_redis,
    "postgres": drill_postgres,
    "sigkill": drill_sigkill,
}


def passed(result: dict) -> bool:
    ok = result["missing_after_catch_up"] == 0 and result["live_duplicates"] == 0
    if result["drill"] == "postgres_restart":
        ok = ok and result["half_written_rows"] == 0 and 500 not in result["statuses"]
    return ok and 500 not in result["statuses"]


def main(argv: list[str]) -> int:
    names = list(DRILLS) if argv[1:] in ([], ["all"]) else argv[1:]
    failures = 0
    for name in names:
        log(f"{name}: starting")
        result = DRILLS[name]()
        result["passed"] = passed(result)
        failures += not result["passed"]
        print(json.dumps(result), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
