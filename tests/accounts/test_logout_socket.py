"""End to end: an API client's open socket closes when its token logs out."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from messaging.tickets import ticket_issue
from tests.conftest import api_client_for
from tests.factories import UserFactory
from wya.asgi import application

WAIT = 3  # a bound for the expected close, not a speed check


async def open_socket(user, token_key):
    ticket = await sync_to_async(ticket_issue)(user_id=user.pk, token_key=token_key)
    ws = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await ws.connect(timeout=WAIT)
    assert connected
    return ws


async def next_close(ws) -> dict:
    """The close message; frames the consumer sends before it (presence, ...) are skipped."""
    while True:
        output = await ws.receive_output(timeout=WAIT)
        if output["type"] == "websocket.close":
            return output


@pytest.mark.django_db(transaction=True)
async def test_logging_out_a_token_closes_the_sockets_it_opened():
    user = await sync_to_async(UserFactory)()
    client = await sync_to_async(api_client_for)(user)
    key = (await sync_to_async(Token.objects.get)(user=user)).key
    ws = await open_socket(user, key)

    response = await sync_to_async(client.post)("/api/auth/logout/")

    assert response.status_code == 204
    assert (await next_close(ws))["type"] == "websocket.close"
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_deleting_the_account_closes_every_socket_of_the_user():
    user = await sync_to_async(UserFactory)()
    client = await sync_to_async(api_client_for)(user)
    other_token_socket = await open_socket(user, None)  # not opened with the token

    response = await sync_to_async(client.delete)(
        "/api/me/", {"password": "correct-horse-battery-staple"}, format="json"
    )

    assert response.status_code == 204
    assert (await next_close(other_token_socket))["type"] == "websocket.close"
    await other_token_socket.disconnect()
