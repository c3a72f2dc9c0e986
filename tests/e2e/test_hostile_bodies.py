"""Findings 4 and 5 through a real server process: Twisted (under daphne) no longer parses
multipart bodies itself, so an empty boundary gets the app's JSON 400, and a 100 MB upload is a
413 without the server parsing it (its peak memory grows by at most one copy of the body)."""

import asyncio
import contextlib
import json
import socket
import urllib.error
import urllib.request

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect as ws_connect

from tests.e2e.servers import http, running_servers
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def post(base: str, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{base}{path}", data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory (VmHWM): a body parsed and freed still counts."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_an_empty_multipart_boundary_gets_the_apps_json_400_from_the_real_server():
    with running_servers(1) as (base,):
        status, body = post(base, "/api/auth/login/", b"x", "multipart/form-data; boundary=")
    assert status == 400
    assert json.loads(body)["detail"]


def post_streaming(base: str, path: str, length: int, content_type: str) -> tuple[int, int]:
    """POST a body of ``length`` bytes the way a hostile client streams it: headers first, then
    the body in 1 MiB chunks until the server answers or hangs up. Returns (status, bytes sent):
    the server answers from the declared length, before it has read the body."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        chunk = b"x" * (1 << 20)
        conn.settimeout(0.2)
        answer = b""
        while sent < length and not answer:
            with contextlib.suppress(TimeoutError):
                answer = conn.recv(65536)
            if answer:
                break
            try:
                conn.sendall(chunk[: length - sent])
            except OSError:  # the server hung up after answering
                break
            sent += len(chunk)
        conn.settimeout(30)
        while b"\r\n" not in answer:
            more = conn.recv(65536)
            if not more:
                break
            answer += more
    return int(answer.split(b" ", 2)[1]), sent


def test_a_100_mb_multipart_post_is_a_413_and_the_server_holds_it_at_most_once():
    length = 100 << 20
    processes: list = []
    with running_servers(1, processes=processes) as (base,):
        pid = processes[0].pid  # scripts/serve.sh execs the server: this is its process
        before = peak_rss_kib(pid)
        status, sent = post_streaming(base, "/login/", length, "multipart/form-data; boundary=b")
        after = peak_rss_kib(pid)
    assert status == 413
    # Refused from its declared length (wya.bodylimit) before the body is read: the client got
    # its answer long before it could send it all, and the server never grew by its size. In
    # production nginx refuses it first (client_max_body_size in deploy/nginx/wya.conf).
    assert sent < length
    assert after - before < 20 * 1024


async def test_a_900_kib_frame_through_the_real_server_gets_an_error_frame_and_the_socket_stays():
    """The server passes messages up to 1 MiB (``--ws-max-size`` in scripts/serve.sh) to the app,
    which answers ``too_large`` past WS_MAX_FRAME_BYTES (64 KiB) instead of dropping the socket.
    Past 1 MiB the server closes with 1009 (docs/reliability.md)."""
    user = await database_sync_to_async(UserFactory)()
    token = (await database_sync_to_async(Token.objects.create)(user=user)).key
    with running_servers(1) as (base,):
        ticket = (await asyncio.to_thread(http, base, "POST", "/api/ws-ticket/", token=token))[
            "ticket"
        ]
        url = f"{base.replace('http', 'ws', 1)}/ws/?ticket={ticket}"
        async with ws_connect(url, open_timeout=10, max_size=None) as ws:
            await ws.send('{"type": "ping", "pad": "' + "x" * (900 * 1024) + '"}')
            frames = []
            while not any(f.get("type") == "error" for f in frames):
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            await ws.send('{"type": "ping"}')
            while frames[-1].get("type") != "pong":
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    assert [f["code"] for f in frames if f["type"] == "error"] == ["too_large"]
