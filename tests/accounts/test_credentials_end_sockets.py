"""Finding 2: sockets and tickets end with the credential that opened them.

A ticket issued to a browser session closes with that session's logout; a ticket issued before a
logout or a password change is refused; a password change ends the old token and every socket.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import api_client_for, page_client_for
from tests.factories import UserFactory
from tests.messaging.live_helpers import close_code
from wya.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 3  # a bound for the expected close, not a speed check


def _ticket(client) -> str:
    response = client.post("/api/ws-ticket/")
    assert response.status_code == 201
    return response.json()["ticket"]


async def _connect(ticket: str) -> tuple[bool, WebsocketCommunicator]:
    ws = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await ws.connect(timeout=WAIT)
    return connected, ws


async def test_a_socket_opened_with_a_session_ticket_closes_when_that_session_logs_out():
    user = await sync_to_async(UserFactory)()
    browser = await sync_to_async(page_client_for)(user)
    connected, ws = await _connect(await sync_to_async(_ticket)(browser))
    assert connected

    await sync_to_async(browser.post)("/logout/")

    assert await close_code(ws, timeout=WAIT) == 4001
    await ws.disconnect()


async def test_a_session_ticket_issued_before_the_logout_is_refused_after_it():
    user = await sync_to_async(UserFactory)()
    browser = await sync_to_async(page_client_for)(user)
    ticket = await sync_to_async(_ticket)(browser)

    await sync_to_async(browser.post)("/logout/")
    connected, ws = await _connect(ticket)

    assert connected is False
    await ws.disconnect()


async def test_a_token_ticket_issued_before_the_api_logout_is_refused_after_it():
    user = await sync_to_async(UserFactory)()
    client = await sync_to_async(api_client_for)(user)
    ticket = await sync_to_async(_ticket)(client)

    assert (await sync_to_async(client.post)("/api/auth/logout/")).status_code == 204
    connected, ws = await _connect(ticket)

    assert connected is False
    await ws.disconnect()


def _change_password(user_id: str, new_password: str) -> None:
    from accounts.models import User

    user = User.objects.get(pk=user_id)
    user.set_password(new_password)  # what the admin and ``changepassword`` do
    user.save()


async def test_a_password_change_ends_the_old_token_and_closes_every_open_socket():
    user = await sync_to_async(UserFactory)()
    client = await sync_to_async(api_client_for)(user)
    browser = await sync_to_async(page_client_for)(user)
    token_socket_ok, token_socket = await _connect(await sync_to_async(_ticket)(client))
    session_socket_ok, session_socket = await _connect(await sync_to_async(_ticket)(browser))
    assert token_socket_ok and session_socket_ok
    late_ticket = await sync_to_async(_ticket)(browser)

    await sync_to_async(_change_password)(user.pk, "a-brand-new-long-passphrase")

    assert await close_code(token_socket, timeout=WAIT) == 4001
    assert await close_code(session_socket, timeout=WAIT) == 4001
    assert (await sync_to_async(client.get)("/api/me/")).status_code == 401
    assert not await sync_to_async(Token.objects.filter(user_id=user.pk).exists)()
    refused, ws = await _connect(late_ticket)
    assert refused is False
    await ws.disconnect()
    await token_socket.disconnect()
    await session_socket.disconnect()


def test_saving_a_user_without_touching_the_password_keeps_the_token():
    user = UserFactory()
    client = api_client_for(user)
    user.email_verified = True
    user.save()

    assert client.get("/api/me/").status_code == 200


def test_logging_in_with_the_new_password_after_a_change_gives_a_working_token():
    user = UserFactory()
    _change_password(user.pk, "a-brand-new-long-passphrase")

    response = APIClient().post(
        "/api/auth/login/",
        {"email": user.email, "password": "a-brand-new-long-passphrase"},
        format="json",
    )

    assert response.status_code == 200
