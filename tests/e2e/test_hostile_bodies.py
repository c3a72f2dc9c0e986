"""Findings 4 and 5 through a real server process: Twisted (under daphne) no longer parses
multipart bodies itself, so an empty boundary gets the app's JSON 400, and a 100 MB upload is a
413 without the server parsing it (its peak memory grows by at most one copy of the body)."""

import asyncio
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

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


def server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"daphne" in b" ".join(cmdline[:2]) and port.encode() in cmdline:
            return int(pid)
    raise AssertionError("server process not found")


def test_an_empty_multipart_boundary_gets_the_apps_json_400_from_the_real_server():
    with running_servers(1) as (base,):
        status, body = post(base, "/api/auth/login/", b"x", "multipart/form-data; boundary=")
    assert status == 400
    assert json.loads(body)["detail"]


def test_a_100_mb_multipart_post_is_a_413_and_the_server_holds_it_at_most_once():
    body = b'--b\r\nContent-Disposition: form-data; name="email"\r\n\r\n' + b"x" * (100 << 20)
    with running_servers(1) as (base,):
        pid = server_pid(base)
        before = peak_rss_kib(pid)
        status, _ = post(base, "/login/", body, "multipart/form-data; boundary=b")
        after = peak_rss_kib(pid)
    assert status == 413
    # Twisted itself still holds the body it received once (about 1x); its multipart parsing
    # (several more copies) is gone. In production nginx refuses the body before it reaches
    # the server at all (client_max_body_size in deploy/nginx/wya.conf).
    assert after - before < 150 * 1024


async def test_a_900_kib_frame_through_the_real_server_gets_an_error_frame_and_the_socket_stays():
    """daphne passes messages up to 1 MiB (its --websocket-max-message-size default) to the app,
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
