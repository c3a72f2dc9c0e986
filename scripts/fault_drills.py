#!/usr/bin/env python
"""Fault drills on PRIVATE PostgreSQL and Redis instances (never the shared ones).

    .venv/bin/python scripts/fault_drills.py redis      # Redis restarted during traffic
    .venv/bin/python scripts/fault_drills.py postgres   # PostgreSQL restarted during traffic
    .venv/bin/python scripts/fault_drills.py sigkill    # one of two servers SIGKILLed
    .venv/bin/python scripts/fault_drills.py slow       # a member's client stops reading
    .venv/bin/python scripts/fault_drills.py storm      # 1,000 clients reconnect at once
    .venv/bin/python scripts/fault_drills.py presence   # SIGKILL: its users turn offline
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

``slow`` runs that traffic with 2,000-character messages while one member's client (a raw
socket) stops reading: the server must drop it past WS_SEND_BACKLOG_BYTES, the others' live
latency is printed before and after, and the slow member catches up with ``after=``.
``storm`` makes DRILL_STORM_CLIENTS (1,000) users in rooms of 10, opens a socket for each over
two servers, prepares a ticket for each, restarts both servers (SIGTERM: 1012), commits a
message in every room while they are down and one more once they are up, and measures how long
until every client is reconnected and holds every message of its room (bound DRILL_STORM_BOUND,
240 s). ``presence`` SIGKILLs one of two servers whose clients do not come back, with the
``expire_presence --loop`` worker running (production's 90 s timeout, 15 s passes), and measures
how long until their presence is ``offline`` (bound 120 s); the other server's users stay online.

It prints one JSON line of figures per drill (docs/reliability.md quotes them) and exits non-zero
if a promise failed. Every loop is bounded; every process it started is stopped on the way out.
"""

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from websockets.asyncio.client import connect as ws_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import (  # noqa: E402
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    open_unread_socket,
    read_until_closed,
    start_servers,
    started_processes,
)
from stack import stop as stop_processes  # noqa: E402

PYTHON = sys.executable
PG_PORT = int(os.environ.get("DRILL_PG_PORT", "22432"))
REDIS_PORT = int(os.environ.get("DRILL_REDIS_PORT", "22379"))
PORT_BASE = int(os.environ.get("DRILL_PORT_BASE", "22100"))
CLIENTS = int(os.environ.get("DRILL_CLIENTS", "8"))
SECONDS = float(os.environ.get("DRILL_SECONDS", "15"))
RATE = float(os.environ.get("DRILL_RATE", "10"))
SERVER_LOGS = None if os.environ.get("DRILL_SERVER_LOGS") else subprocess.DEVNULL
CATCH_UP_BOUND = 30.0  # seconds the clients get to hold every acked message after the traffic


def log(*parts) -> None:
    print("[drill]", *parts, file=sys.stderr, flush=True)


# --- The application ------------------------------------------------------------------------
def app_env(pg: PrivatePostgres, redis: PrivateRedis, extra: dict | None = None) -> dict:
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
    env.update(extra or {})
    return env


SETUP = """
import datetime
import json
from rest_framework.authtoken.models import Token
from accounts.models import Profile, User
from rooms.services import room_create, room_join
n = {clients}
users = []
for i in range(n + 1):
    user = User.objects.create_user(email=f"drill{{i}}@example.test", password="drill-passphrase-123", date_of_birth=datetime.date(1990, 1, 1))
    Profile.objects.create(user=user, display_name=f"Drill {{i}}")
    users.append(user)
room = room_create(user=users[0], room_name="Drill room", max_participants=10)
for user in users[1:]:
    room_join(user=user, room_id=room.pk)
print(json.dumps({{"room_id": room.pk, "tokens": [Token.objects.create(user=u).key for u in users]}}))
"""


def prepare(env: dict, setup: str | None = None) -> dict:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", setup or SETUP.format(clients=min(CLIENTS, 9))],
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
        self.live_at: dict[int, float] = {}  # message id -> when it arrived live (monotonic)

    @property
    def base(self) -> str:
        return self.bases[self.base_index % len(self.bases)]

    def record(self, message_id: int) -> None:
        """Clients deduplicate by id: a message both live and caught up is held once."""
        if message_id in self.seen:
            return
        self.seen.add(message_id)
        self.last_id = max(self.last_id, message_id)

    async def catch_up(self) -> bool:
        """Fetch what came after the last id held; False if a page failed (retry later)."""
        for _ in range(100):  # bounded pages
            status, body = await asyncio.to_thread(
                http,
                self.base,
                "GET",
                f"/api/rooms/{self.room_id}/messages/?after={self.last_id}&limit=100",
                self.token,
            )
            if status != 200:
                return False
            for message in body["results"]:
                if message["id"] not in self.seen:
                    self.caught_up += 1
                self.record(message["id"])
            if not body["has_more"]:
                return True
        return True

    async def ticket(self) -> str:
        status, body = await asyncio.to_thread(
            http, self.base, "POST", "/api/ws-ticket/", self.token
        )
        if status != 201:
            raise ConnectionError(f"ticket {status}")
        return body["ticket"]

    def url(self, ticket: str) -> str:
        return f"{self.base.replace('http', 'ws', 1)}/ws/?ticket={ticket}"

    async def read(self, ws, stop: asyncio.Event) -> None:
        """Hold every room message of this socket until ``stop``; one twice LIVE is a duplicate."""
        socket_ids: set[int] = set()
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
                self.live_at.setdefault(message_id, time.monotonic())
                self.record(message_id)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                url = self.url(await self.ticket())
                async with ws_connect(url, open_timeout=5, ping_interval=None) as ws:
                    await self.catch_up()
                    await self.read(ws, stop)
            except Exception:  # closed, refused, server gone: reconnect to the next server
                if stop.is_set():
                    return
                self.reconnects += 1
                self.base_index += 1
                await asyncio.sleep(0.5)


def percentiles_ms(values: list[float]) -> dict:
    if not values:
        return {}
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"p50": round(pick(0.5) * 1000, 1), "p99": round(pick(0.99) * 1000, 1),
            "max": round(values[-1] * 1000, 1), "n": len(values)}  # fmt: skip


async def traffic(
    bases, tokens, room_id, fault, *, first_server=lambda i: 0, text="drill", rate=None
) -> dict:
    """Clients (every member but the first) hold sockets; the first member posts ``rate``
    messages a second through REST for SECONDS; ``fault`` runs in a thread after a third."""
    rate = rate or RATE
    stop = asyncio.Event()
    clients = [Client(token, bases, room_id, first_server(i)) for i, token in enumerate(tokens[1:])]
    tasks = [asyncio.create_task(client.run(stop)) for client in clients]
    await asyncio.sleep(2)  # sockets open
    acked, statuses = [], {}
    start = time.monotonic()
    fault_at, faulted, i = SECONDS / 3, False, 0
    fault_began = None
    sent_at: dict[int, float] = {}
    sender_base = [bases[-1]]
    while time.monotonic() - start < SECONDS:
        posted = time.monotonic()
        if not faulted and time.monotonic() - start >= fault_at:
            faulted = True  # the fault runs beside the traffic: requests go on during it
            fault_began = time.monotonic()
            fault_task = asyncio.create_task(asyncio.to_thread(fault))
        status, body = await asyncio.to_thread(
            http,
            sender_base[0],
            "POST",
            f"/api/rooms/{room_id}/messages/",
            tokens[0],
            {"message": f"{text} {i}"},
        )
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            acked.append(body["id"])
            sent_at[body["id"]] = posted
        i += 1
        await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - posted)))
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
    before, after = [], []
    for client in clients:
        for message_id, arrived in client.live_at.items():
            if message_id in sent_at:
                late = before if fault_began is None or sent_at[message_id] < fault_began else after
                late.append(arrived - sent_at[message_id])
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
        "live_latency_ms_before_fault": percentiles_ms(before),
        "live_latency_ms_after_fault": percentiles_ms(after),
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
def stack(servers: int, *, extra_env: dict | None = None, setup: str | None = None):
    pg, redis = PrivatePostgres(PG_PORT), PrivateRedis(REDIS_PORT, maxclients=10000)
    try:
        pg.start()
        pg.create_database()
        redis.start()
        env = app_env(pg, redis, extra_env)
        data = prepare(env, setup)
        data["env"] = env
        with started_processes() as processes:
            ports = [PORT_BASE + n for n in range(servers)]
            bases = start_servers(ports, env=env, started=processes, log_to=SERVER_LOGS)
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


def presence_status(pg: PrivatePostgres, user_ids: list[str]) -> dict[str, str]:
    """``{user_id: status}`` straight from the database (what /api/presence/ reads)."""
    out = subprocess.run(
        ["psql", "-At", "-F", " ", pg.url(), "-c", "SELECT user_id, status FROM presence"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = dict(line.split(" ", 1) for line in out.strip().splitlines() if line)
    return {user_id: rows[user_id] for user_id in user_ids if user_id in rows}


USER_IDS = """
import json
from rest_framework.authtoken.models import Token
print(json.dumps({t.key: str(t.user_id) for t in Token.objects.all()}))
"""


def user_ids_by_token(env: dict) -> dict[str, str]:
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", USER_IDS],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


SLOW_TEXT = "s" * 1990  # long messages: the unread socket's buffers fill in seconds
SLOW_RATE = float(os.environ.get("DRILL_SLOW_RATE", "40"))
# The bound the drill's server runs with (the default is 256 KiB): small enough that the traffic
# of a 15 s drill on a loaded machine passes it well before uvicorn's keepalive (20 s ping + 20 s
# timeout) would close the socket anyway; the pass requires the drop before that.
SLOW_BOUND = int(os.environ.get("DRILL_SLOW_BOUND", str(64 * 1024)))
KEEPALIVE_CLOSE = 40.0


def drill_slow_reader() -> dict:
    """A member's client stops reading while the room is busy: the server drops that socket once
    its backlog passes WS_SEND_BACKLOG_BYTES (the default); the other members' live latency
    before and after it; the slow member catches up with after= when it returns."""
    with stack(1, extra_env={"WS_SEND_BACKLOG_BYTES": str(SLOW_BOUND)}) as (
        pg,
        _redis,
        _procs,
        bases,
        data,
    ):
        tokens, room_id = data["tokens"], data["room_id"]
        slow_user = user_ids_by_token(data["env"])[tokens[0]]

        def fault():
            _, body = http(bases[0], "POST", "/api/ws-ticket/", tokens[0])
            sock = open_unread_socket(bases[0], body["ticket"])
            opened = time.monotonic()
            try:
                for _ in range(600):  # bounded: 120 s
                    if presence_status(pg, [slow_user]).get(slow_user) == "offline":
                        return {"slow_socket_dropped_after_seconds":
                                round(time.monotonic() - opened, 1),
                                "slow_socket_end": read_until_closed(sock)}  # fmt: skip
                    time.sleep(0.2)
                return {"slow_socket_dropped_after_seconds": None}
            finally:
                sock.close()

        result = asyncio.run(traffic(bases, tokens, room_id, fault, text=SLOW_TEXT, rate=SLOW_RATE))
        # The slow member returns: everything from the start through after= (it held nothing).
        held, after = [], 0
        for _ in range(100):  # bounded pages
            _, page = http(bases[0], "GET",
                           f"/api/rooms/{room_id}/messages/?after={after}&limit=100", tokens[0])  # fmt: skip
            held += [message["id"] for message in page["results"]]
            after = held[-1] if held else after
            if not page["has_more"]:
                break
    result["slow_member_caught_up"] = len(held) >= result["acked"]
    result["backlog_bound_bytes"] = SLOW_BOUND
    return {"drill": "slow_reader", **result}


# --- The reconnect storm ----------------------------------------------------------------------
STORM_CLIENTS = int(os.environ.get("DRILL_STORM_CLIENTS", "1000"))
STORM_BOUND = float(os.environ.get("DRILL_STORM_BOUND", "240"))  # seconds: all back and caught up

STORM_SETUP = """
import json
from rest_framework.authtoken.models import Token
from accounts.models import Profile, User
from rooms.models import ChatRoom, ChatRoomMember, Role
from tests.factories import birth_date_for_age
n = {clients}
users = User.objects.bulk_create([User(email=f"storm{{i}}@example.test", date_of_birth=birth_date_for_age(30)) for i in range(n)])
for user in users:
    user.set_unusable_password()
User.objects.bulk_update(users, ["password"])
Profile.objects.bulk_create([Profile(user=u, display_name=f"Storm {{i}}") for i, u in enumerate(users)])
tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
rooms = []
for r in range(0, n, 10):
    chunk = users[r:r + 10]
    room = ChatRoom.objects.create(room_name=f"Storm {{r}}", owner=chunk[0], max_participants=10)
    ChatRoomMember.objects.bulk_create([ChatRoomMember(room=room, user=u, role=Role.OWNER if i == 0 else Role.USER) for i, u in enumerate(chunk)])
    rooms.append(room.pk)
print(json.dumps({{"tokens": [t.key for t in tokens], "rooms": rooms}}))
"""

WHILE_AWAY = """
from accounts.models import User
from rooms.models import ChatRoom
from rooms.services import room_message_send
for room in ChatRoom.objects.filter(room_name__startswith="Storm "):
    room_message_send(user=room.owner, room_id=room.pk, message="while you were away")
"""


class StormClient(Client):
    """Reconnects at once (a short random pause) with a ticket prepared before the storm."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared: str | None = None
        self.fresh_tickets = 0
        self.opened = asyncio.Event()
        self.opened_at = 0.0
        self.errors: dict[str, int] = {}

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                ticket = self.prepared
                if ticket is None:
                    self.fresh_tickets += 1
                    ticket = await self.ticket()
                try:
                    ws = await ws_connect(self.url(ticket), open_timeout=30, ping_interval=None)
                except OSError:  # refused: the server is not back; the ticket is still unused
                    raise
                except Exception:  # the server answered: the ticket is spent either way
                    self.prepared = None
                    raise
                self.prepared = None
                async with ws:
                    self.opened_at = time.monotonic()
                    self.opened.set()
                    for _ in range(20):  # a failed page (503, timeout) is asked again
                        if await self.catch_up():
                            break
                        await asyncio.sleep(1)
                    await self.read(ws, stop)
            except Exception as error:
                if stop.is_set():
                    return
                name = type(error).__name__
                self.errors[name] = self.errors.get(name, 0) + 1
                self.opened.clear()
                self.reconnects += 1
                await asyncio.sleep(random.uniform(0.05, 0.5))


def post_to_rooms(base: str, tokens: list[str], rooms: list[int], text: str) -> list[int]:
    ids = []
    for n, room_id in enumerate(rooms):  # the owner of each room (every 10th token) posts
        status, body = http(base, "POST", f"/api/rooms/{room_id}/messages/", tokens[n * 10],
                            {"message": text})  # fmt: skip
        if status == 201:
            ids.append(body["id"])
    return ids


async def storm(bases, processes, data) -> dict:
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(64))
    tokens, rooms, env = data["tokens"], data["rooms"], data["env"]
    stop = asyncio.Event()
    clients = [StormClient(token, bases, rooms[n // 10], n % 2) for n, token in enumerate(tokens)]
    began = time.monotonic()
    tasks = []
    for client in clients:  # the first connections, gently (25 at a time)
        tasks.append(asyncio.create_task(client.run(stop)))
        if len(tasks) % 25 == 0:
            await asyncio.sleep(0.2)
    await asyncio.wait_for(asyncio.gather(*(c.opened.wait() for c in clients)), 600)
    first_connect = time.monotonic() - began
    log(f"storm: {len(clients)} sockets open in {first_connect:.0f}s")
    await asyncio.to_thread(post_to_rooms, bases[0], tokens, rooms, "before the restart")

    began = time.monotonic()  # tickets for everyone, before the storm (valid for 10 min here)
    tickets = await asyncio.gather(
        *(asyncio.to_thread(http, c.base, "POST", "/api/ws-ticket/", c.token) for c in clients)
    )
    for client, (status, body) in zip(clients, tickets, strict=True):
        client.prepared = body.get("ticket") if status == 201 else None
    tickets_seconds = time.monotonic() - began

    log(f"storm: {len(clients)} tickets in {tickets_seconds:.0f}s; restarting both servers")
    restart_began = time.monotonic()
    await asyncio.to_thread(stop_processes, processes[: len(bases)])
    del processes[: len(bases)]
    await asyncio.to_thread(
        subprocess.run, [PYTHON, "manage.py", "shell", "-c", WHILE_AWAY], cwd=ROOT, env=env,
        check=True, capture_output=True,
    )  # fmt: skip
    ports = [int(base.rsplit(":", 1)[1]) for base in bases]
    await asyncio.to_thread(  # appended to the stack's processes: stopped on the way out
        start_servers, ports, env=env, started=processes, timeout=STORM_BOUND, log_to=SERVER_LOGS
    )
    up = time.monotonic()
    log(f"storm: both servers up {up - restart_began:.0f}s after the restart began")
    storm_sends = await asyncio.to_thread(post_to_rooms, bases[1], tokens, rooms, "during storm")
    acked_by_room: dict[int, set[int]] = {}
    for room_id in rooms:  # everything committed in the room (before, while away, during)
        _, page = await asyncio.to_thread(
            http, bases[0], "GET", f"/api/rooms/{room_id}/messages/?limit=100",
            tokens[rooms.index(room_id) * 10],
        )  # fmt: skip
        acked_by_room[room_id] = {m["id"] for m in page.get("results", [])}
    deadline = up + STORM_BOUND
    reconnected_at = caught_up_at = None
    while time.monotonic() < deadline:
        now = time.monotonic()
        opened = all(c.opened.is_set() and c.opened_at > restart_began for c in clients)
        if opened and reconnected_at is None:
            reconnected_at = now
        if opened and all(acked_by_room[c.room_id] <= c.seen for c in clients):
            caught_up_at = now
            break
        await asyncio.sleep(0.25)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    missing = sum(len(acked_by_room[c.room_id] - c.seen) for c in clients)
    back = [c.opened_at - up for c in clients if c.opened_at > restart_began]
    return {
        "clients": len(clients),
        "servers": len(bases),
        "first_connect_seconds": round(first_connect, 1),
        "tickets_prepared_seconds": round(tickets_seconds, 1),
        "servers_down_to_up_seconds": round(up - restart_began, 1),
        "messages_per_room": round(sum(map(len, acked_by_room.values())) / len(rooms), 1),
        "storm_sends_acked": len(storm_sends),
        "reconnected": len(back),
        "all_reconnected_seconds_after_up": (
            round(reconnected_at - up, 1) if reconnected_at else None
        ),
        "all_caught_up_seconds_after_up": round(caught_up_at - up, 1) if caught_up_at else None,
        "slowest_reconnect_seconds_after_up": round(max(back), 1) if back else None,
        "bound_seconds": STORM_BOUND,
        "fresh_tickets_needed": sum(c.fresh_tickets for c in clients) - len(clients),
        "reconnect_errors": {
            name: sum(c.errors.get(name, 0) for c in clients)
            for name in sorted({name for c in clients for name in c.errors})
        },
        "missing_after_catch_up": missing,
        "live_duplicates": sum(c.live_duplicates for c in clients),
    }


def drill_storm() -> dict:
    extra = {"WS_TICKET_TTL_SECONDS": "600", "PRESENCE_TIMEOUT_SECONDS": "90",
             "DATABASE_POOL_MAX": os.environ.get("DRILL_POOL_MAX", "20")}  # fmt: skip
    setup = STORM_SETUP.format(clients=STORM_CLIENTS)
    with stack(2, extra_env=extra, setup=setup) as (_pg, _redis, processes, bases, data):
        result = asyncio.run(storm(bases, processes, data))
    return {"drill": "reconnect_storm", **result}


# --- Presence after SIGKILL -------------------------------------------------------------------
PRESENCE_BOUND = 120.0  # seconds: the promise
PING_EVERY = 25.0  # seconds between a client's pings (as the pages do)


async def hold_pinging(base: str, token: str, stop: asyncio.Event) -> None:
    """A page's socket: a ping every 25 s; stops (no reconnect) when its server is gone."""
    status, body = await asyncio.to_thread(http, base, "POST", "/api/ws-ticket/", token)
    url = f"{base.replace('http', 'ws', 1)}/ws/?ticket={body['ticket']}"
    with contextlib.suppress(Exception):
        async with ws_connect(url, open_timeout=10, ping_interval=None) as ws:
            while not stop.is_set():
                await ws.send('{"type": "ping"}')
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(PING_EVERY):
                        async for _ in ws:
                            pass


async def presence_after_kill(pg, processes, bases, data) -> dict:
    tokens, env = data["tokens"][1:], data["env"]
    ids = user_ids_by_token(env)
    on_killed, on_other = tokens[0::2], tokens[1::2]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(hold_pinging(bases[0], t, stop)) for t in on_killed]
    tasks += [asyncio.create_task(hold_pinging(bases[1], t, stop)) for t in on_other]
    await asyncio.sleep(PING_EVERY * random.random() + 3)  # somewhere between two pings
    killed_users = [ids[t] for t in on_killed]
    other_users = [ids[t] for t in on_other]
    online_before = presence_status(pg, killed_users + other_users)
    processes[0].send_signal(signal.SIGKILL)
    processes[0].wait(timeout=10)
    killed_at = time.monotonic()
    offline_after = None
    for _ in range(int(PRESENCE_BOUND * 2 + 60)):  # bounded: polls every 0.5 s
        status = presence_status(pg, killed_users)
        if all(status.get(u) == "offline" for u in killed_users):
            offline_after = round(time.monotonic() - killed_at, 1)
            break
        await asyncio.sleep(0.5)
    others = presence_status(pg, other_users)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "users_on_killed_server": len(killed_users),
        "online_before_kill": sum(v == "online" for v in online_before.values()),
        "offline_seconds_after_sigkill": offline_after,
        "bound_seconds": PRESENCE_BOUND,
        "users_on_other_server_still_online": sum(others.get(u) == "online" for u in other_users),
        "users_on_other_server": len(other_users),
        "presence_timeout_seconds": 90,
        "worker_interval_seconds": 15,
    }


def drill_presence() -> dict:
    extra = {"PRESENCE_TIMEOUT_SECONDS": "90"}  # production's default
    with stack(2, extra_env=extra) as (pg, _redis, processes, bases, data):
        processes.append(
            subprocess.Popen(
                [PYTHON, "manage.py", "expire_presence", "--loop"],  # every 15 s, the default
                cwd=ROOT,
                env=data["env"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        )
        result = asyncio.run(presence_after_kill(pg, processes, bases, data))
    return {"drill": "presence_after_sigkill", **result}


DRILLS = {
    "redis": drill_redis,
    "postgres": drill_postgres,
    "sigkill": drill_sigkill,
    "slow": drill_slow_reader,
    "storm": drill_storm,
    "presence": drill_presence,
}


def passed(result: dict) -> bool:
    if result["drill"] == "presence_after_sigkill":
        seconds = result["offline_seconds_after_sigkill"]
        return (
            seconds is not None
            and seconds <= result["bound_seconds"]
            and (result["users_on_other_server_still_online"] == result["users_on_other_server"])
        )
    ok = result["missing_after_catch_up"] == 0 and result["live_duplicates"] == 0
    if result["drill"] == "slow_reader":
        dropped = result["slow_socket_dropped_after_seconds"]
        ok = ok and dropped is not None and dropped < KEEPALIVE_CLOSE
        ok = ok and result["slow_member_caught_up"]
    if result["drill"] == "reconnect_storm":
        ok = ok and result["all_caught_up_seconds_after_up"] is not None
    if result["drill"] == "postgres_restart":
        ok = ok and result["half_written_rows"] == 0 and 500 not in result["statuses"]
    return ok and 500 not in result.get("statuses", {})


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
