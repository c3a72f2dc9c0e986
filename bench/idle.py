#!/usr/bin/env python
"""Idle sockets: memory per authenticated socket and the CPU that heartbeats cost at rest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_h10 \
        .venv/bin/python bench/idle.py --sockets 1000 --processes 1 --rest 60

Starts a private Redis (port 20379) and N WYA server processes (scripts/serve.sh flags, ports
20100+), makes throwaway users in rooms of 10, opens ``--sockets`` ticket-authenticated sockets
(spread over the processes), and prints: server RSS before/after and per socket, then the CPU
of the servers, PostgreSQL backends and Redis over ``--rest`` seconds while every socket sends
a ``ping`` every 30 s (what clients do; each is a heartbeat write) — as a share of one core.
Deletes its users at the end. Every loop is bounded.
"""

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

from loadclient import WyaTarget, open_socket, process_cpu_seconds  # noqa: E402
from sweep import REDIS_PORT, WYA_PORT, make_groups, postgres_pids  # noqa: E402

from scripts.stack import PrivateRedis, start_servers, started_processes  # noqa: E402

PING_EVERY = 30.0


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def run(args, groups, bases, server_pids, redis_pid, dsn) -> None:
    target = WyaTarget(bases)
    before = sum(rss_kib(p) for p in server_pids)
    sockets = []
    members = [(g, m) for g in groups for m in g.members][: args.sockets]
    started = time.monotonic()
    for start in range(0, len(members), args.concurrency):
        chunk = members[start : start + args.concurrency]
        sockets += await asyncio.gather(*(open_socket(target, g, m) for g, m in chunk))
    connect_s = time.monotonic() - started
    await asyncio.sleep(5)  # connect-time presence settles
    after = sum(rss_kib(p) for p in server_pids)
    print(f"sockets={len(sockets)} processes={len(server_pids)} connect={connect_s:.0f}s "
          f"rss before={before / 1024:.0f} MiB after={after / 1024:.0f} MiB "
          f"per socket={(after - before) / max(len(sockets), 1):.1f} KiB", flush=True)  # fmt: skip

    async def drain(ws):
        try:
            async for _ in ws:
                pass
        except Exception:
            pass

    readers = [asyncio.create_task(drain(ws)) for ws in sockets]

    async def pinger(ws):
        await asyncio.sleep(random.uniform(0, PING_EVERY))
        deadline = time.monotonic() + args.rest
        while time.monotonic() < deadline:
            try:
                await ws.send('{"type": "ping"}')
            except Exception:
                return
            await asyncio.sleep(PING_EVERY)

    pids = {"server": server_pids, "postgres": postgres_pids(dsn), "redis": [redis_pid]}
    cpu0 = {k: sum(process_cpu_seconds(p) for p in v) for k, v in pids.items()}
    t0 = time.monotonic()
    pingers = [asyncio.create_task(pinger(ws)) for ws in sockets]
    await asyncio.sleep(args.rest)
    window = time.monotonic() - t0
    cpu1 = {k: sum(process_cpu_seconds(p) for p in v) for k, v in pids.items()}
    shares = {k: (cpu1[k] - cpu0[k]) / window for k in pids}
    print(f"at rest for {window:.0f}s with a ping per socket every {PING_EVERY:.0f}s: " +
          " ".join(f"{k}={v * 100:.1f}%" for k, v in shares.items()) +
          f" (of one core; total {sum(shares.values()) * 100:.1f}%)", flush=True)  # fmt: skip
    for task in pingers:
        task.cancel()
    closed = sum(1 for r in readers if r.done())
    print(f"sockets closed by the server during the rest: {closed}")
    for ws in sockets:
        await ws.close()
    await asyncio.wait(readers, timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--rest", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        parser.error("set DATABASE_URL to your own PostgreSQL database (migrated)")
    redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    os.environ["REDIS_URL"] = redis_url
    rooms = (args.sockets + 9) // 10
    groups, cleanup = make_groups(rooms, 10, 0)
    try:
        with started_processes() as started:
            redis = PrivateRedis(REDIS_PORT, maxclients=20000)
            redis.start()
            started.append(redis.process)
            env = dict(os.environ, DEBUG="false", SECRET_KEY="bench-only-secret",
                       LOCATION_HASH_KEY="bench-only-location", SECURE_SSL_REDIRECT="false",
                       RATE_MESSAGES="10000000/min", REDIS_URL=redis_url,
                       CHANNEL_LAYER_PREFIX="wya-h10-idle", CACHE_KEY_PREFIX="wya-h10-idle")  # fmt: skip
            ports = [WYA_PORT + n for n in range(args.processes)]
            bases = start_servers(ports, env=env, started=started)
            servers = started[-len(ports) :]
            asyncio.run(run(args, groups, bases, [p.pid for p in servers], redis.process.pid, dsn))
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
