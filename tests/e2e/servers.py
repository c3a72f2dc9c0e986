"""Start real ASGI server processes (``scripts/serve.sh``: uvicorn + uvloop, as in production,
through scripts/stack.py) against the test database and the shared Redis. Set
``SERVER_PORTS=first-last`` to keep their ports in a range."""

import contextlib
import json
import os
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from scripts.stack import free_port, start_servers, started_processes

__all__ = ["free_port", "http", "real_stack_reason", "running_servers", "server_env"]


def real_stack_reason() -> str | None:
    """Why the real stack is missing (None when PostgreSQL and Redis are both configured)."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL (CI always does)"
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL (CI always does)"
    return None


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


@contextlib.contextmanager
def running_servers(count: int, *, extra_env=None, processes: list | None = None):
    """Yield ``count`` base URLs of server processes (``scripts/serve.sh``); always terminated
    on the way out. ``processes``, if given, receives their ``Popen`` objects."""
    env = {**server_env(), **(extra_env or {})}
    with started_processes() as started:
        bases = start_servers([free_port() for _ in range(count)], env=env, started=started)
        if processes is not None:
            processes.extend(started)
        yield bases
