"""Start real ASGI server processes (``scripts/serve.sh``: uvicorn + uvloop, as in production)
against the test database and the shared Redis."""

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SERVE = str(ROOT / "scripts" / "serve.sh")
START_TIMEOUT = 30  # seconds a server may take to answer /healthz (a bound, not a speed check)


def real_stack_reason() -> str | None:
    """Why the real stack is missing (None when PostgreSQL and Redis are both configured)."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL (CI always does)"
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL (CI always does)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The TEST database as a URL a child process can open: PostgreSQL, or the SQLite FILE the
    test run uses (settings put SQLite test databases in a file, never in memory)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def server_env() -> dict:
    """The test process's settings for a child: the TEST database, the same Redis/prefixes.
    Without REDIS_URL the child uses its own in-memory layer and cache: fine for ONE server."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CHANNEL_LAYER_PREFIX=settings.CHANNEL_LAYERS["default"]
        .get("CONFIG", {})
        .get("prefix", "wya"),
        CACHE_KEY_PREFIX=settings.CACHES["default"].get("KEY_PREFIX", "wya"),
        DEBUG="true",
    )
    return env


def http(base: str, method: str, path: str, *, token: str | None = None, timeout=10) -> dict:
    request = urllib.request.Request(
        f"{base}{path}", method=method, data=b"" if method == "POST" else None
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
        body = response.read()
    return json.loads(body) if body else {}


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {base} did not start within {START_TIMEOUT}s")


@contextlib.contextmanager
def running_servers(count: int, *, extra_env=None, processes: list | None = None):
    """Yield ``count`` base URLs of server processes (``scripts/serve.sh``); always terminated
    on the way out. ``processes``, if given, receives their ``Popen`` objects."""
    env = {**server_env(), **(extra_env or {}), "HOST": "127.0.0.1"}
    processes = [] if processes is None else processes
    bases = []
    try:
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [SERVE, str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(bases, processes, strict=True):
            _wait_until_up(base, process)
        yield bases
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
