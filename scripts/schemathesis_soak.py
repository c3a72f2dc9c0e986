"""The schemathesis soak: a real server on the real stack, fuzzed for a long time as two users.

    .venv/bin/python scripts/schemathesis_soak.py [--seconds 600] [--database-url URL]

What it does (docs/reliability.md has the command and the figures of the last run):
1. a private Redis (scripts/stack.py) and a fresh PostgreSQL database ``<name>_soak`` next to
   ``--database-url`` (default: $DATABASE_URL), migrated with ``manage.py migrate``;
2. one WYA process through ``scripts/serve.sh`` (uvicorn, as in production), its log in
   ``--log-dir``;
3. two adults registered through the API who share a room and a direct message, each placed
   on the map (so ids in paths hit real rows);
4. ``schemathesis run`` against ``/api/schema/`` once per user at the same time, for
   ``--seconds`` (its ``--max-time``), every phase, checks ``not_a_server_error``, each run
   writing a HAR file of every request;
5. prints the number of requests and the count per status class, and exits 1 on any 5xx (or
   when schemathesis reports a failure or cannot load the schema).

The write rate limits are raised for the run (``--keep-rate-limits`` keeps the defaults): at
the defaults most fuzzed writes are a 429 before reaching the code under test. ``POST
/api/auth/logout/`` and ``DELETE /api/me/`` are left out: either ends the user's token (or
account) and the rest of that user's run would be 401s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from scripts.stack import (  # noqa: E402
    ROOT,
    PrivateRedis,
    free_port,
    log,
    start_servers,
    started_processes,
)

SCHEMATHESIS = ROOT / ".venv" / "bin" / "schemathesis"
EXCLUDED = ("POST /api/auth/logout/", "DELETE /api/me/")
GENEROUS_LIMITS = {
    f"RATE_{name}": "100000/min"
    for name in ("WRITES", "ROOM_CREATE", "ROOM_EDIT", "MEMBERS", "BLOCKS", "MESSAGES", "MEDIA")
}


def fresh_database(url: str) -> str:
    """Drop and create ``<name>_soak`` on the server of ``url``; return its URL."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'wya'}_soak"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def call(base: str, method: str, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}{path}",
        method=method,
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        raw = response.read()
    return json.loads(raw) if raw else {}


def two_users(base: str) -> list[str]:
    """Two adults who share a room and a DM, both on the map; their tokens."""
    tokens = []
    for n in (1, 2):
        body = {"email": f"soak{n}@example.test", "password": "a long soak password 1!",
                "date_of_birth": f"1990-01-0{n}", "display_name": f"Soak Person {n}"}  # fmt: skip
        token = call(base, "POST", "/api/auth/register/", body)["token"]
        call(
            base,
            "PUT",
            "/api/me/location/",
            {"city": "Paris", "latitude": 48.8566, "longitude": 2.3522},
            token,
        )
        tokens.append(token)
    first, second = tokens
    room = call(base, "POST", "/api/rooms/", {"room_name": "Soak room"}, first)
    call(base, "POST", f"/api/rooms/{room['id']}/join/", None, second)
    call(base, "POST", f"/api/rooms/{room['id']}/messages/", {"message": "hello"}, first)
    other = call(base, "GET", "/api/me/", None, second)["id"]
    call(base, "POST", f"/api/dms/{other}/messages/", {"message": "hi there"}, first)
    return tokens


def fuzz(base: str, token: str, seconds: int, har: Path, log_file) -> subprocess.Popen:
    command = [
        str(SCHEMATHESIS), "run", f"{base}/api/schema/", "--url", base,
        "--header", f"Authorization: Token {token}", "--max-time", str(seconds),
        "--checks", "not_a_server_error", "--workers", "1", "--continue-on-failure",
        "--report", "har", "--report-har-path", str(har), "--request-timeout", "30",
        "--suppress-health-check", "all", "--warnings", "off",
    ]  # fmt: skip
    for operation in EXCLUDED:
        command += ["--exclude-name", operation]
    return subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603


def statuses(har: Path) -> Counter:
    entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
    return Counter(f"{entry['response']['status'] // 100}xx" for entry in entries)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=600, help="fuzzing time per user")
    parser.add_argument("--database-url", default=None, help="default: $DATABASE_URL")
    parser.add_argument("--log-dir", type=Path, default=None, help="default: a temporary dir")
    parser.add_argument("--keep-rate-limits", action="store_true")
    return parser.parse_args()


def server_env(database_url: str, redis_url: str, keep_limits: bool) -> dict:
    env: dict = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "true",
        "CHANNEL_LAYER_PREFIX": "soak",
        "CACHE_KEY_PREFIX": "soak",
        "RATE_REGISTER": "1000/hour",
    }
    return env if keep_limits else {**env, **GENEROUS_LIMITS}


def run(args: argparse.Namespace, work: Path) -> tuple[Counter, list[int]]:
    database = fresh_database(args.database_url or os.environ["DATABASE_URL"])
    with started_processes() as started:
        redis = PrivateRedis(free_port())
        redis.start()
        started.append(redis.process)
        env = server_env(database, redis.url(), args.keep_rate_limits)
        manage = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "-v", "0"]
        subprocess.run(manage, cwd=ROOT, env=env, check=True)  # noqa: S603 (our manage.py)
        with (work / "server.log").open("wb") as server_log:
            [base] = start_servers([free_port()], env=env, started=started, log_to=server_log)
            tokens = two_users(base)
            log(f"fuzzing {base} as two users for {args.seconds} s; logs in {work}")
            runs = []
            for n, token in enumerate(tokens, 1):
                handle = (work / f"schemathesis-{n}.log").open("wb")
                runs.append(fuzz(base, token, args.seconds, work / f"user{n}.har", handle))
            codes = [process.wait() for process in runs]
    total: Counter = Counter()
    for n in (1, 2):
        total += statuses(work / f"user{n}.har")
    return total, codes


def main() -> int:
    args = parse_args()
    work = args.log_dir or Path(tempfile.mkdtemp(prefix="wya-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    total, codes = run(args, work)
    count = sum(total.values())
    print(f"requests: {count}")
    for status_class in ("2xx", "3xx", "4xx", "5xx"):
        print(f"{status_class}: {total.get(status_class, 0)}")
    # Not 0: schemathesis found a failure (a 5xx) or could not load the schema (a 500 there).
    print(f"schemathesis exit codes: {codes}")
    print(f"logs: {work}")
    return 1 if total.get("5xx") or count == 0 or any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
