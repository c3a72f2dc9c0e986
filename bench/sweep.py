#!/usr/bin/env python
"""Capacity at SLO for WYA and the reference servers, in ONE run, with a plot.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_h10 \
        .venv/bin/python bench/sweep.py --rooms 20 --members 10 --out bench/results/rooms20

Starts everything it measures on this machine (loopback, ports 20000-20999): a PRIVATE Redis
(``redis-server --port 20379``, never the shared one), the WYA server(s) (``--server daphne``,
``uvicorn`` or ``granian``; ``--processes N`` on N ports, sockets spread over them) with
``DEBUG=false`` and the message rate limit raised, and the reference (bench/reference.py) in
its three modes: ``ref-bare`` (broadcast), ``ref-redis`` (+ Redis pub/sub), ``ref-pg``
(+ PostgreSQL INSERT before the ack, database ``<name>_ref``). It makes throwaway users, rooms
and tokens in DATABASE_URL's database and deletes them at the end.

For each target it ramps the total message rate (x ``--step``) until a point fails the SLO
(p99 <= 100 ms, nothing lost/duplicated, no error frame), then bisects ``--refine`` times
between the last pass and the first fail; the capacity is the highest passing rate. It prints
every point (bench/loadclient.py), a summary with WYA's capacity as a ratio of each reference,
and writes ``<out>.json`` and ``<out>.png`` (latency against rate). ``--dm-pairs N`` measures
direct messages between N 1:1 pairs instead of rooms. ``--fixed R`` measures one rate only.
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

from loadclient import Connections, Group, Member, ReferenceTarget, WyaTarget, run_point  # noqa: E402

from scripts.stack import (  # noqa: E402
    PrivateRedis,
    start_server,
    started_processes,
    wait_http,
    wait_port,
)

VENV_BIN = Path(sys.executable).parent
REDIS_PORT = 20379
WYA_PORT = 20100
WYA_BASE_PORT = 20150
REF_PORTS = {"ref-bare": 20201, "ref-redis": 20202, "ref-pg": 20203}
PORT_RANGE = range(20000, 21000)


def start_wya(server: str, port: int, *, env: dict, root: str) -> subprocess.Popen:
    """One WYA process: ``uvicorn`` is scripts/serve.sh (production); daphne and granian are
    there only to compare servers."""
    if server == "uvicorn":
        return start_server(port, env=env, root=root)
    app = "wya.asgi:application"
    if server == "daphne":
        command = [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), app]
    elif server == "granian":
        command = [str(VENV_BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning", app]  # fmt: skip
    else:
        raise SystemExit(f"unknown server {server}")
    return subprocess.Popen(command, cwd=root, env=dict(env, PYTHONPATH=root),
                            stdout=subprocess.DEVNULL)  # fmt: skip


def postgres_pids(dsn: str) -> list[int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [row[0] for row in rows]


def ensure_database(dsn: str) -> None:
    import psycopg

    base, name = dsn.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Data in WYA's database ---------------------------------------------------------------
def make_groups(rooms: int, members: int, dm_pairs: int) -> tuple[list[Group], callable]:
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from accounts.models import Profile, User
    from rooms.models import ChatRoom, ChatRoomMember, Role
    from tests.factories import birth_date_for_age

    tag = uuid.uuid4().hex[:8]
    count = dm_pairs * 2 if dm_pairs else rooms * members
    users = User.objects.bulk_create(
        [
            User(email=f"bench-{tag}-{n}@example.test", date_of_birth=birth_date_for_age(30))
            for n in range(count)
        ]
    )
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_update(users, ["password"])
    Profile.objects.bulk_create([Profile(user=u, display_name=f"bench {n}") for n, u in
                                 enumerate(users)])  # fmt: skip
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    keys = {t.user_id: t.key for t in tokens}
    groups, room_objects = [], []
    if dm_pairs:
        for n in range(dm_pairs):
            pair = users[2 * n : 2 * n + 2]
            groups.append(Group(None, [Member(u.pk, keys[u.pk]) for u in pair], dm_key=n + 1))
    else:
        for r in range(rooms):
            chunk = users[r * members : (r + 1) * members]
            room = ChatRoom.objects.create(room_name=f"bench {tag} {r}", owner=chunk[0],
                                           max_participants=10)  # fmt: skip
            room_objects.append(room)
            ChatRoomMember.objects.bulk_create(
                [
                    ChatRoomMember(room=room, user=u, role=Role.OWNER if i == 0 else Role.USER)
                    for i, u in enumerate(chunk)
                ]  # fmt: skip
            )
            groups.append(Group(room.pk, [Member(u.pk, keys[u.pk]) for u in chunk]))

    def cleanup() -> None:
        from messaging.models import Presence, PrivateMessage

        for room in room_objects:
            room.messages.all().delete()
            room.delete()
        PrivateMessage.objects.filter(sender__in=users).delete()
        Presence.objects.filter(user__in=users).delete()
        User.objects.filter(email__startswith=f"bench-{tag}-").delete()

    return groups, cleanup


# --- The sweep ------------------------------------------------------------------------------
async def sweep(target, groups, args, pids_for, profile_pid=None, out=None) -> list:
    conns = await Connections(target, groups).open()
    try:
        results = await _sweep(conns, args, pids_for)
        if profile_pid is not None:
            await profile(conns, args, profile_pid, out, pids_for)
    finally:
        await conns.close()
    return results


async def _sweep(conns, args, pids_for) -> list:
    """Ramp x ``--step`` until a point fails, then bisect ``--refine`` times."""
    results = []
    last_ok, first_fail = None, None
    ramp = 0
    refined = 0
    while True:
        if args.fixed:
            if results:
                break
            rate = args.fixed
        elif first_fail is None:
            rate = round(args.start * args.step**ramp, 1)
            if rate > args.max_rate:
                break
            ramp += 1
        else:
            if refined >= args.refine or last_ok is None:
                break
            rate = round((last_ok + first_fail) / 2, 1)
            refined += 1
        seed = len(results) + 1
        result = await run_point(conns, rate, args.duration, pids=pids_for(), seed=seed)
        print(result.line(), flush=True)
        if result.error_samples:
            print("   errors:", result.error_samples[:2], flush=True)
        results.append(result)
        if result.ok:
            last_ok = max(last_ok or 0, rate)
        else:
            first_fail = rate if first_fail is None else min(first_fail, rate)
        await asyncio.sleep(1)
    return results


def capacity(results) -> float:
    passing = [r.rate for r in results if r.ok]
    return max(passing) if passing else 0.0


def plot(all_results: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for name, results in all_results.items():
        ordered = sorted(results, key=lambda r: r.rate)
        rates = [r.rate for r in ordered]
        (line,) = ax.plot(rates, [max(r.p99_ms, 0.1) for r in ordered], "o-", label=f"{name} p99")
        ax.plot(rates, [max(r.p50_ms, 0.1) for r in ordered], "x--", color=line.get_color(),
                label=f"{name} p50")  # fmt: skip
        for r in ordered:
            if r.lost:
                ax.annotate("lost", (r.rate, max(r.p99_ms, 0.1)), fontsize=7)
    ax.axhline(100, color="red", linewidth=0.8, linestyle=":", label="SLO p99 100 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("messages per second (total, Poisson)")
    ax.set_ylabel("send -> receive latency (ms)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(True, which="both", linewidth=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="wya,ref-bare,ref-redis,ref-pg")
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--dm-pairs", type=int, default=0)
    parser.add_argument("--server", default="uvicorn", choices=("daphne", "uvicorn", "granian"))
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per point")
    parser.add_argument("--start", type=float, default=10.0)
    parser.add_argument("--step", type=float, default=2.0)
    parser.add_argument("--refine", type=int, default=2)
    parser.add_argument("--max-rate", type=float, default=4000.0)
    parser.add_argument("--fixed", type=float, default=0.0)
    parser.add_argument("--profile", type=float, default=0.0,
                        help="also record a py-spy profile of the WYA server at this rate")  # fmt: skip
    parser.add_argument("--out", default="bench/results/sweep")
    parser.add_argument("--server-env", action="append", default=[], help="KEY=VALUE for WYA")
    parser.add_argument(
        "--base-server", default="uvicorn", choices=("daphne", "uvicorn", "granian")
    )
    parser.add_argument("--base-root", default="",
                        help="a checkout of the code before the changes: adds target wya-base")  # fmt: skip
    args = parser.parse_args()
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        parser.error("set DATABASE_URL to your own PostgreSQL database (migrated)")
    targets = args.targets.split(",")
    if args.base_root and "wya-base" not in targets:
        targets.insert(0, "wya-base")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    os.environ["REDIS_URL"] = redis_url  # the bench's own Django settings (only DB is used)
    ref_dsn = dsn + "_ref"
    if "ref-pg" in targets:
        ensure_database(ref_dsn)

    groups, cleanup = make_groups(args.rooms, args.members, args.dm_pairs)
    shape = (f"{args.dm_pairs} DM pairs" if args.dm_pairs else f"{args.rooms} rooms x "
             f"{args.members}")  # fmt: skip
    all_results = {}
    try:
        with started_processes() as started:
            redis = PrivateRedis(REDIS_PORT)
            redis.start()
            started.append(redis.process)
            servers = {}
            env = dict(os.environ, DEBUG="false", SECRET_KEY="bench-only-secret",
                       LOCATION_HASH_KEY="bench-only-location", SECURE_SSL_REDIRECT="false",
                       RATE_MESSAGES="10000000/min", REDIS_URL=redis_url,
                       CHANNEL_LAYER_PREFIX="wya-h10-bench", CACHE_KEY_PREFIX="wya-h10-bench")  # fmt: skip
            for item in args.server_env:
                key, value = item.split("=", 1)
                env[key] = value
            bases = {}
            for name, root, first_port, server in (
                ("wya-base", args.base_root, WYA_BASE_PORT, args.base_server),
                ("wya", str(ROOT), WYA_PORT, args.server),
            ):
                if name not in targets:
                    continue
                for n in range(args.processes):
                    port = first_port + n
                    process = start_wya(server, port, env=env, root=root)
                    started.append(process)
                    servers.setdefault(name, []).append(process)
                    bases.setdefault(name, []).append(f"http://127.0.0.1:{port}")
                for base, process in zip(bases[name], servers[name], strict=True):
                    wait_http(f"{base}/healthz", process)
            for name in targets:
                if name.startswith("ref-"):
                    port = REF_PORTS[name]
                    process = subprocess.Popen(
                        [
                            sys.executable,
                            str(ROOT / "bench" / "reference.py"),
                            "--port",
                            str(port),
                            "--mode",
                            name[4:],
                            "--redis",
                            redis_url,
                            "--database",
                            ref_dsn,
                        ],  # fmt: skip
                        stdout=subprocess.DEVNULL,
                    )
                    started.append(process)
                    servers[name] = [process]
                    wait_port(port, process)

            for name in targets:
                if name in ("wya", "wya-base"):
                    target = WyaTarget(bases[name], name)
                    db = dsn
                else:
                    target = ReferenceTarget(f"http://127.0.0.1:{REF_PORTS[name]}", name)
                    db = ref_dsn if name == "ref-pg" else None

                def pids_for(name=name, db=db):
                    pids = {"server": [p.pid for p in servers[name]], "redis": [redis.process.pid]}
                    if db is not None:
                        pids["postgres"] = postgres_pids(db)
                    return pids

                wya = name.startswith("wya")
                kind = (
                    (args.base_server if name == "wya-base" else args.server)
                    if wya
                    else "reference"
                )
                print(f"--- {name} ({shape}, {kind}"
                      f", {args.processes if wya else 1} process)", flush=True)  # fmt: skip
                spy = servers[name][0].pid if wya and args.profile else None
                all_results[name] = asyncio.run(
                    sweep(target, groups, args, pids_for, spy, out.with_name(f"{out.name}-{name}"))
                )
    finally:
        cleanup()

    print(f"=== summary: {shape}, {args.duration:.0f} s per point, wya on {args.server} x "
          f"{args.processes}, wya-base on {args.base_server}")  # fmt: skip
    caps = {name: capacity(results) for name, results in all_results.items()}
    for name, cap in caps.items():
        print(f"capacity at SLO {name:>10}: {cap:8.1f} messages/s")
    for mine in ("wya", "wya-base"):
        if mine not in caps:
            continue
        for name, cap in caps.items():
            if not name.startswith("wya") and cap:
                print(f"ratio {mine} / {name}: {caps[mine] / cap:.3f}")
    payload = {
        "shape": shape,
        "server": args.server,
        "processes": args.processes,
        "duration": args.duration,
        "machine": machine(),
        "capacity": caps,
        "points": {n: [vars(r) for r in rs] for n, rs in all_results.items()},
    }
    out.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str))
    plot(all_results, out.with_suffix(".png"),
         f"{shape}, wya on {args.server} x{args.processes}, wya-base on {args.base_server}; "
         f"{machine()}")  # fmt: skip
    print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.png')}")
    return 0


async def profile(conns, args, pid, out, pids_for) -> None:
    """py-spy record of the WYA server while the client runs at ``--profile`` messages/s."""
    svg = out.with_name(out.name + "-profile.txt")
    spy = subprocess.Popen(
        [
            str(VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(args.duration) + 4),
            "--format",
            "raw",
            "--output",
            str(svg),
            "--nonblocking",
            "--rate",
            "500",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await asyncio.sleep(1)
    result = await run_point(conns, args.profile, args.duration, pids=pids_for(), seed=999)
    print("profiled:", result.line(), flush=True)
    await asyncio.to_thread(spy.wait, 60)
    print(f"wrote {svg} (py-spy raw: collapsed stacks)")


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {cpu}"


if __name__ == "__main__":
    sys.exit(main())
