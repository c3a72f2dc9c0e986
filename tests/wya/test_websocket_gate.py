"""/ws/ behind the Origin check and authentication, through the real ASGI application."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tests.conftest import session_cookie_for
from wya.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


LOCAL = (b"http://127.0.0.1:8000", b"127.0.0.1:8000")


def communicator(headers=(), path="/ws/"):
    return WebsocketCommunicator(application, path, headers=list(headers))


async def socket_of(user, *, origin: bytes | None = LOCAL[0], host: bytes | None = LOCAL[1]):
    """A socket carrying ``user``'s session cookie, from ``origin`` to ``host`` (None: no header)."""
    headers = [(b"cookie", await sync_to_async(session_cookie_for)(user))]
    headers += [(name, value) for name, value in ((b"origin", origin), (b"host", host)) if value]
    return communicator(headers=headers)


async def test_anonymous_socket_is_refused_at_the_handshake():
    ws = communicator(headers=[(b"origin", LOCAL[0]), (b"host", LOCAL[1])])
    connected, _ = await ws.connect()
    assert connected is False


async def test_session_cookie_with_allowed_origin_connects_and_pings(adult):
    ws = await socket_of(adult)
    connected, _ = await ws.connect()
    assert connected is True
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_foreign_origin_is_refused_even_with_a_valid_session(adult):
    ws = await socket_of(adult, origin=b"https://evil.example")
    connected, _ = await ws.connect()
    assert connected is False


async def test_session_cookie_without_any_origin_is_refused(adult):
    ws = await socket_of(adult, origin=None, host=None)
    connected, _ = await ws.connect()
    assert connected is False


async def test_malformed_frame_gets_an_error_and_the_socket_stays_usable(adult):
    ws = await socket_of(adult, origin=b"http://localhost:8000", host=b"localhost:8000")
    assert (await ws.connect())[0]
    await ws.send_to(text_data="{nope")
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["code"] == "invalid"
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()
