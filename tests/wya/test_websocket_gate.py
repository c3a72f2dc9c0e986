"""/ws/ behind the Origin check and authentication, through the real ASGI application."""

import json

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from wya.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def communicator(headers=(), path="/ws/"):
    return WebsocketCommunicator(application, path, headers=list(headers))


async def test_anonymous_socket_is_refused_at_the_handshake():
    ws = communicator(headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])
    connected, _ = await ws.connect()
    assert connected is False


async def test_session_cookie_with_allowed_origin_connects_and_pings(adult):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie_for)(adult)
    ws = communicator(
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", cookie),
        ]
    )
    connected, _ = await ws.connect()
    assert connected is True
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_foreign_origin_is_refused_even_with_a_valid_session(adult):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie_for)(adult)
    ws = communicator(
        headers=[
            (b"origin", b"https://evil.example"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", cookie),
        ]
    )
    connected, _ = await ws.connect()
    assert connected is False


async def test_session_cookie_without_any_origin_is_refused(adult):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie_for)(adult)
    ws = communicator(headers=[(b"cookie", cookie)])
    connected, _ = await ws.connect()
    assert connected is False


async def test_malformed_frame_gets_an_error_and_the_socket_stays_usable(adult):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie_for)(adult)
    ws = communicator(
        headers=[
            (b"origin", b"http://localhost:8000"),
            (b"host", b"localhost:8000"),
            (b"cookie", cookie),
        ]
    )
    assert (await ws.connect())[0]
    await ws.send_to(text_data="{nope")
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["code"] == "invalid"
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()
