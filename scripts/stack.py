"""The ONE way to start the helper processes of the scripts, benchmarks and end-to-end tests:
WYA server processes (always ``scripts/serve.sh``: uvicorn + uvloop, as in production), a
private Redis and a private PostgreSQL cluster, each waited for and always stopped.

Import it with the repository root on ``sys.path`` (``from scripts.stack import ...``) or with
``scripts/`` on it (``from stack import ...``). It needs no Django: a server is a child process
that reads its settings from the environment it is given.

    with started_processes() as started:
        redis = PrivateRedis(20379)
        redis.start()
        started.append(redis.process)
        bases = start_servers([20100, 20101], env=env, started=started)

Every wait is bounded; every process is terminated (then killed after ``STOP_TIMEOUT``).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "scripts" / "serve.sh"
START_TIMEOUT = 60.0  # seconds a process may take to answer (a bound, not a speed check)
STOP_TIMEOUT = 15.0  # seconds a process gets after SIGTERM before SIGKILL
PG_BIN = Path(os.environ.get("DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def log(*parts: object) -> None:
    print("[stack]", *parts, file=sys.stderr, flush=True)


# --- Waiting and stopping ----------------------------------------------------------------------
def wait_http(url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Return once ``url`` answers (any 2xx); raise if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=5).read()  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def wait_port(port: int, process: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Return once 127.0.0.1:``port`` accepts a TCP connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"port {port}: process exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open within {timeout}s")


def stop(processes: Iterable[subprocess.Popen], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM every process still running, then SIGKILL whichever ignores it for ``timeout``."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"pid {process.pid} ignored SIGTERM for {timeout:.0f} s: killed")
            process.kill()
            process.wait()


@contextlib.contextmanager
def started_processes() -> Iterator[list[subprocess.Popen]]:
    """A list to append started processes to; all stopped on the way out, the last started
    first (servers before the Redis they use)."""
    started: list[subprocess.Popen] = []
    try:
        yield started
    finally:
        stop(reversed(started))


# --- WYA servers --------------------------------------------------------------------------------
def free_port() -> int:
    """A free loopback port: from ``SERVER_PORTS`` (``first-last``, e.g. ``22000-22999``) when
    set (a machine shared with others gives each its own range), else one the kernel picks.
    Within the range it goes round from where it last stopped, so a port handed out but not yet
    bound by its server is not handed out again at once."""
    span = os.environ.get("SERVER_PORTS", "")
    if not span:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    first, last = (int(part) for part in span.split("-", 1))
    size = last - first + 1
    for _ in range(size):
        port = first + _cursor[0] % size
        _cursor[0] += 1
        with socket.socket() as sock, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            return port
    raise RuntimeError(f"no free port in SERVER_PORTS={span}")


_cursor = [0]


def start_server(
    port: int, *, env: dict, root: Path | str = ROOT, log_to: int | None = subprocess.DEVNULL
) -> subprocess.Popen:
    """Start one WYA process (``scripts/serve.sh``) on 127.0.0.1:``port`` running the code in
    ``root`` (another checkout for comparisons; this checkout's virtualenv). Does not wait."""
    return subprocess.Popen(
        [str(SERVE), str(port)],
        cwd=ROOT,
        env={**env, "HOST": "127.0.0.1", "APP_DIR": str(root), "PYTHONPATH": str(root)},
        stdout=log_to,
        stderr=log_to,
    )


def start_servers(
    ports: Iterable[int],
    *,
    env: dict,
    started: list[subprocess.Popen],
    root: Path | str = ROOT,
    timeout: float = START_TIMEOUT,
    log_to: int | None = subprocess.DEVNULL,
) -> list[str]:
    """Start a WYA process on each port, wait until each answers ``/healthz`` and return their
    base URLs. Each process is appended to ``started`` as soon as it exists; ``log_to=None``
    lets their output through (the drills: ``DRILL_SERVER_LOGS=1``)."""
    bases = []
    for port in ports:
        started.append(start_server(port, env=env, root=root, log_to=log_to))
        bases.append(f"http://127.0.0.1:{port}")
    for base, process in zip(bases, started[-len(bases) :], strict=True):
        wait_http(f"{base}/healthz", process, timeout)
    return bases


# --- Private Redis and PostgreSQL ---------------------------------------------------------------
class PrivateRedis:
    """A throwaway ``redis-server`` on 127.0.0.1:``port`` (no persistence); restartable."""

    def __init__(self, port: int, *, maxclients: int | None = None):
        self.port = port
        self.maxclients = maxclients
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--daemonize", "no"]  # fmt: skip
        if self.maxclients:
            command += ["--maxclients", str(self.maxclients)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_port(self.port, self.process, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop([self.process])
            self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb in a temporary directory, fsync off) on
    127.0.0.1:``port``, run as the ``postgres`` user when this runs as root; restartable."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="wya-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "log"), "-w", "start"]  # fmt: skip
        subprocess.run(_as_postgres(pg_ctl), check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]
        subprocess.run(_as_postgres(pg_ctl), capture_output=True)

    def url(self, name: str = "wya_drill") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str = "wya_drill") -> None:
        subprocess.run(
            ["psql", "-q", self.url("postgres"), "-c", f'CREATE DATABASE "{name}"'],
            check=True,
            capture_output=True,
        )

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- A client that never reads ------------------------------------------------------------------
def open_unread_socket(base: str, ticket: str, *, timeout: float = 15.0) -> socket.socket:
    """A WebSocket client on ``base`` (``http://host:port``) that completes the handshake with
    ``ticket`` and then never reads again (a small receive buffer, so the server's output backs up
    soon). The caller closes it."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    sock.settimeout(timeout)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/?ticket={ticket} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        chunk = sock.recv(1)  # byte by byte: nothing after the handshake is read
        if not chunk:
            break
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        sock.close()
        raise ConnectionError(f"handshake refused: {head[:200]!r}")
    return sock


def read_until_closed(sock: socket.socket) -> str:
    """Read what is left: ``reset`` or ``eof`` once the server dropped the connection, ``open``
    if it still sends after ~40 MB."""
    for _ in range(10_000):
        try:
            if not sock.recv(4096):
                return "eof"
        except ConnectionResetError:
            return "reset"
    return "open"
