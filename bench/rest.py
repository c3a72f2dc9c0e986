#!/usr/bin/env python
"""REST at scale: room history and discovery on a big database, WYA against a reference.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_scale .venv/bin/python bench/seed_scale.py --reset
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_scale .venv/bin/python bench/rest.py \
        --clients 32 64 --duration 20 --think 0.5 --out bench/results/rest

In ONE run, for each server (WYA on uvicorn via scripts/serve.sh with DEBUG=false and the
rate limits raised, then bench/rest_reference.py: the same GETs as raw SQL over psycopg with no
framework), each number of clients and each endpoint:

- ``history``: GET /api/rooms/<id>/messages/?limit=50, a room with >= 200 messages the client is
  a member of;
- ``people``: GET /api/discover/people/;  ``rooms``: GET /api/discover/rooms/;

every client is a distinct real user (a member of a busy room, with a location, its own API
token) on its own keep-alive connection, sending a request, reading the answer, then thinking
for an exponential time of mean ``--think`` seconds (0 = back to back: a closed loop that
measures throughput, not latency). After ``--warmup`` seconds, latencies are recorded for
``--duration`` seconds: p50/p90/p99/max, requests/s, errors (non-200 or broken connection; a keep-alive connection the server closed while the
client was thinking is reopened and the request sent again, as HTTP clients do),
CPU per request of the server process and of the PostgreSQL backends of the database, and the
load client's own CPU (a saturated client would show here). WYA's p50, p99 and requests/s are
also printed as a ratio to the reference's in the same run.

Queries per request: for WYA counted in-process before the load (Django's test client and
``CaptureQueriesContext`` on the same database, for ``--count-users`` of the clients); the
reference reports its own in an ``X-Queries`` header. ``--profile PREFIX`` records a py-spy
profile of WYA for each endpoint at the highest number of clients (summarise it with
bench/profile_summary.py). Ports: ``--port`` (WYA) and
``--port + 100`` (reference), 127.0.0.1 only. ``--processes N`` starts N WYA processes on
``--port`` … ``--port + N - 1`` and spreads the clients over them (as a proxy would); the
server CPU is then the sum over them (py-spy records the first). The load average is printed before and after.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg
from loadclient import percentile, process_cpu_seconds, self_cpu_seconds
from sweep import postgres_pids

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-rest-secret-key-not-for-production-0123456789"
# the key bench/seed_scale.py hashed the names with (its DEBUG default, or LOCATION_HASH_KEY)
LOCATION_HASH_KEY = os.environ.get("LOCATION_HASH_KEY", "dev-only-location-hash-key")
ENDPOINTS = ("history", "people", "rooms")

CLIENTS_SQL = """
SELECT DISTINCT ON (m.user_id) m.user_id, t.key, m.room_id
FROM chat_room_members m
JOIN authtoken_token t ON t.user_id = m.user_id
JOIN auth_users u ON u.id = m.user_id AND u.is_active
JOIN locations l ON l.user_id = m.user_id
WHERE NOT m.is_banned
  AND m.room_id IN (SELECT room_id FROM chat_room_messages GROUP BY room_id HAVING count(*) >= 200)
  AND NOT EXISTS (SELECT 1 FROM moderation_actions a WHERE a.target_user_id = m.user_id)
ORDER BY m.user_id, m.room_id
"""


def path_for(endpoint: str, room_id: int) -> str:
    if endpoint == "history":
        return f"/api/rooms/{room_id}/messages/?limit=50"
    return f"/api/discover/{endpoint}/"


# --- the load client ----------------------------------------------------------------------
async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = b""
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def one_client(ports, user, endpoint, start, record_from, deadline, think, rng, out):
    request = (
        f"GET {path_for(endpoint, user['room_id'])} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Token {user['key']}\r\n\r\n"
    ).encode()
    port = ports[user["n"] % len(ports)]  # a client stays on one process, as behind a proxy
    await asyncio.sleep(rng.uniform(0, max(think, 0.05)))  # spread the first requests
    reader = writer = None
    while time.perf_counter() < deadline:
        reused = writer is not None
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            t0 = time.perf_counter()
            writer.write(request)
            status, _ = await read_response(reader)
            elapsed = time.perf_counter() - t0
            if t0 >= record_from and t0 < deadline:
                out.append((elapsed, status))
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            if writer is not None:
                writer.close()
            reader = writer = None
            idle_close = (
                reused and isinstance(error, asyncio.IncompleteReadError) and not error.partial
            )
            if idle_close:  # the server closed a keep-alive connection while we thought: resend
                continue
            if time.perf_counter() >= record_from:
                out.append((None, 0))
            await asyncio.sleep(0.05)
            continue
        if think > 0:
            await asyncio.sleep(rng.expovariate(1 / think))
    if writer is not None:
        writer.close()


async def run_phase(args, ports, server_pids, users, endpoint) -> dict:
    rng = random.Random(7)
    out: list = []
    pids = postgres_pids(args.database)
    start = time.perf_counter()
    record_from = start + args.warmup
    deadline = record_from + args.duration
    before = {"server": cpu_of(server_pids), "pg": cpu_of(pids)}
    client_before = self_cpu_seconds()
    tasks = [
        one_client(ports, u, endpoint, start, record_from, deadline, args.think, rng, out)
        for u in users
    ]
    cpu_mark = asyncio.get_running_loop().call_later(
        args.warmup, lambda: marks.update(server=cpu_of(server_pids), pg=cpu_of(pids))
    )
    marks: dict = {}
    await asyncio.gather(*tasks)
    cpu_mark.cancel()
    after = {"server": cpu_of(server_pids), "pg": cpu_of(pids)}
    client_after = self_cpu_seconds()
    marks = marks or before
    ok = sorted(lat * 1000 for lat, status in out if lat is not None and status == 200)
    errors = sum(1 for lat, status in out if lat is None or status != 200)
    error_kinds = dict(Counter(status for lat, status in out if lat is None or status != 200))
    done = len(ok) + errors
    client_cpu = client_after - client_before
    window = args.duration + args.warmup
    return {
        "requests": done,
        "rps": done / args.duration,
        "errors": errors,
        "error_kinds": error_kinds,  # HTTP status, 0 = broken connection
        "p50": percentile(ok, 0.50) if ok else None,
        "p90": percentile(ok, 0.90) if ok else None,
        "p99": percentile(ok, 0.99) if ok else None,
        "max": max(ok) if ok else None,
        "server_cpu_ms": 1000 * (after["server"] - marks["server"]) / max(done, 1),
        "pg_cpu_ms": 1000 * (after["pg"] - marks["pg"]) / max(done, 1),
        "client_cpu_pct": 100 * client_cpu / window,
    }


def cpu_of(pids: list[int]) -> float:
    """CPU seconds used so far by these processes together."""
    return sum(process_cpu_seconds(p) for p in pids)


# --- servers --------------------------------------------------------------------------------
def wait_until_up(port: int, path: str = "/healthz", seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).read()  # noqa: S310 (loopback)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on 127.0.0.1:{port}")


def server_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database,
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        LOCATION_HASH_KEY=LOCATION_HASH_KEY,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        RATE_MESSAGES="100000/min",
        RATE_LOGIN="100000/min",
        DATABASE_POOL_MAX=str(args.pool),
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    env.setdefault("CACHE_KEY_PREFIX", "hrest-bench")
    env.setdefault("CHANNEL_LAYER_PREFIX", "hrest-bench")
    return env


def start_wya(args) -> list[subprocess.Popen]:
    """``--processes`` uvicorn processes (scripts/serve.sh) on ports ``--port`` and up."""
    processes = [
        subprocess.Popen(  # noqa: S603 (our own script)
            ["bash", str(ROOT / "scripts/serve.sh"), str(args.port + i)],
            env=server_env(args),
            cwd=ROOT,
        )
        for i in range(args.processes)
    ]
    for i in range(args.processes):
        wait_until_up(args.port + i)
    return processes


def start_reference(args) -> list[subprocess.Popen]:
    command = [
        sys.executable,
        str(ROOT / "bench/rest_reference.py"),
        "--port",
        str(args.port + 100),
    ]
    command += ["--database", args.database, "--secret-key", SECRET_KEY, "--pool", str(args.pool)]
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 (our own script)
    wait_until_up(args.port + 100, "/")
    return [process]


def start_py_spy(args, pid: int, endpoint: str) -> subprocess.Popen:
    """py-spy (requirements-bench.txt) on the WYA process for the recorded part of a phase."""
    out = f"{args.profile}-{endpoint}.txt"
    command = [str(ROOT / ".venv/bin/py-spy"), "record", "--pid", str(pid), "--format", "raw"]
    command += ["--duration", str(int(args.duration)), "--rate", "100", "-o", out, "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 (our own tool)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- queries per request (in-process, before the load) -------------------------------------
def count_queries(args, users: list[dict]) -> dict[str, list[int]]:
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["LOCATION_HASH_KEY"] = LOCATION_HASH_KEY
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    sys.path.insert(0, str(ROOT))
    import django  # noqa: PLC0415 (a bench script: Django only for this step)

    django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    counts: dict[str, list[int]] = {}
    for endpoint in ENDPOINTS:
        for user in users[: args.count_users]:
            client = Client(HTTP_AUTHORIZATION=f"Token {user['key']}")
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path_for(endpoint, user["room_id"]))
            if response.status_code != 200:
                raise SystemExit(f"{endpoint} for {user['user_id']}: {response.status_code}")
            counts.setdefault(endpoint, []).append(len(queries.captured_queries))
    connection.close()
    return counts


def reference_queries(port: int, users: list[dict]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for endpoint in ENDPOINTS:
        for user in users[:5]:
            request = urllib.request.Request(  # noqa: S310 (loopback)
                f"http://127.0.0.1:{port}{path_for(endpoint, user['room_id'])}",
                headers={"Authorization": f"Token {user['key']}"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                counts.setdefault(endpoint, []).append(int(response.headers["X-Queries"]))
    return counts


# --- report ---------------------------------------------------------------------------------
def fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_tables(results: list[dict], queries: dict) -> None:
    print(
        "\n| endpoint | clients | server | req/s | p50 ms | p90 ms | p99 ms | max ms | errors "
        "| queries/req | server CPU ms/req | PG CPU ms/req | client CPU % |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        q = queries[r["server"]].get(r["endpoint"], [])
        qtext = f"{min(q)}-{max(q)}" if q and min(q) != max(q) else (str(q[0]) if q else "-")
        print(
            f"| {r['endpoint']} | {r['clients']} | {r['server']} | {fmt(r['rps'])} "
            f"| {fmt(r['p50'])} | {fmt(r['p90'])} | {fmt(r['p99'])} | {fmt(r['max'])} "
            f"| {r['errors']} | {qtext} | {fmt(r['server_cpu_ms'], 2)} | {fmt(r['pg_cpu_ms'], 2)} "
            f"| {fmt(r['client_cpu_pct'])} |"
        )
    print("\n| endpoint | clients | WYA/ref p50 | WYA/ref p99 | WYA/ref req/s |")
    print("|---|---|---|---|---|")
    by_key = {(r["server"], r["endpoint"], r["clients"]): r for r in results}
    for (server, endpoint, clients), wya in by_key.items():
        ref = by_key.get(("reference", endpoint, clients))
        if server != "wya" or ref is None:
            continue
        ratios = [(wya[k] / ref[k]) if wya[k] and ref[k] else None for k in ("p50", "p99", "rps")]
        print(f"| {endpoint} | {clients} | " + " | ".join(f"{fmt(x, 2)}×" for x in ratios) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--clients", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--endpoints", nargs="+", default=list(ENDPOINTS), choices=ENDPOINTS)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--think", type=float, default=0.5, help="mean think time, s (0: none)")
    parser.add_argument("--port", type=int, default=24000)
    parser.add_argument("--pool", type=int, default=10, help="database connections per server")
    parser.add_argument(
        "--processes", type=int, default=1, help="WYA processes (clients spread over them)"
    )
    parser.add_argument("--servers", nargs="+", default=["wya", "reference"])
    parser.add_argument("--count-users", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the results as JSON to OUT.json")
    parser.add_argument(
        "--profile", help="py-spy WYA at the highest --clients: raw profiles PROFILE-<endpoint>.txt"
    )
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit(
            "give --database or DATABASE_URL: a PostgreSQL seeded by bench/seed_scale.py"
        )
    with psycopg.connect(args.database) as conn:
        rows = conn.execute(CLIENTS_SQL).fetchall()
    users = [{"user_id": u, "key": k, "room_id": r} for u, k, r in rows]
    random.Random(args.seed).shuffle(users)
    users = [dict(user, n=n) for n, user in enumerate(users[: max(args.clients)])]
    if len(users) < max(args.clients):
        raise SystemExit(f"only {len(users)} usable users: seed more (bench/seed_scale.py)")
    print(f"load average before: {os.getloadavg()}; {len(rows)} candidate clients")
    queries = {"wya": count_queries(args, users) if "wya" in args.servers else {}}
    results = []
    for server in args.servers:
        processes = start_wya(args) if server == "wya" else start_reference(args)
        ports = (
            [args.port + i for i in range(args.processes)] if server == "wya" else [args.port + 100]
        )
        pids = [p.pid for p in processes]
        try:
            if server == "reference":
                queries["reference"] = reference_queries(ports[0], users)
            for clients in args.clients:
                for endpoint in args.endpoints:
                    spy = None
                    if args.profile and server == "wya" and clients == max(args.clients):
                        spy = start_py_spy(args, pids[0], endpoint)
                    row = asyncio.run(run_phase(args, ports, pids, users[:clients], endpoint))
                    if spy is not None:
                        spy.wait(timeout=60)
                    row.update(server=server, clients=clients, endpoint=endpoint)
                    results.append(row)
                    print(
                        f"{server:9} {endpoint:7} {clients:3} clients: {fmt(row['rps'])} req/s "
                        f"p50 {fmt(row['p50'])} p99 {fmt(row['p99'])} ms, {row['errors']} errors "
                        f"{row['error_kinds'] or ''}",
                        flush=True,
                    )
        finally:
            for process in processes:
                stop(process)
    print_tables(results, queries)
    print(f"\nload average after: {os.getloadavg()}")
    if args.out:
        Path(f"{args.out}.json").write_text(
            json.dumps({"args": vars(args), "queries": queries, "results": results}, indent=2)
        )


if __name__ == "__main__":
    main()
