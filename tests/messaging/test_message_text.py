"""One message-text rule (``wya.validators.clean_message``) for room messages and direct
messages, over REST and over the socket: text stripped, NUL refused, ``media_url`` capped,
at most 2000 characters, text or media required."""

import pytest
from channels.db import database_sync_to_async as sync_to_async

from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from tests.messaging.live_helpers import connect, request


@pytest.fixture
def room_path(room, member):
    return member, f"/api/rooms/{room.pk}/messages/"


@pytest.fixture
def dm_path(adult, other_adult):
    return adult, f"/api/dms/{other_adult.pk}/messages/"


@pytest.fixture(params=["room_path", "dm_path"])
def path(request):
    return request.getfixturevalue(request.param)


def _stored_text(message_id):
    row = ChatRoomMessage.objects.filter(pk=message_id).first()
    return (row or PrivateMessage.objects.get(pk=message_id)).message


@pytest.mark.django_db
class TestOverRest:
    def test_text_is_stored_stripped(self, make_client, path):
        sender, url = path
        response = make_client(sender).post(url, {"message": "  hello  \n"}, format="json")

        assert response.status_code == 201
        assert response.json()["message"] == "hello"

    @pytest.mark.parametrize(
        ("body", "why"),
        [
            ({"message": "a\x00b"}, "NUL"),
            ({"message": "   "}, "only whitespace and no media"),
            ({"message": "x" * 2001}, "too long"),
            ({"message": "hi", "media_url": "/media/" + "a" * 1000}, "media_url over the cap"),
            ({"message": "hi", "media_url": "https://elsewhere.example/cat.png"}, "foreign media"),
        ],
    )
    def test_bad_text_is_a_400_on_both_paths(self, make_client, path, body, why):
        sender, url = path
        response = make_client(sender).post(url, body, format="json")

        assert response.status_code == 400, why
        # Over REST a NUL never reaches the text rule: the JSON parser refuses it first
        # (wya.hostile); the socket tests below reach the rule itself.
        wanted = ("parse_error",) if why == "NUL" else ("invalid", "too_long")
        assert response.json()["code"] in wanted

    def test_the_limit_counts_the_stripped_text(self, make_client, path):
        sender, url = path
        response = make_client(sender).post(url, {"message": " " + "x" * 2000 + " "}, format="json")

        assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
class TestOverTheSocket:
    @pytest.fixture
    def frames(self, room, member, other_adult):
        """The same text sent as a room message and as a DM by people allowed to send them."""
        return {
            "room": (member, {"type": "room.send", "room_id": room.pk}),
            "dm": (other_adult, {"type": "dm.send", "to": None}),
        }

    @pytest.fixture(params=["room", "dm"])
    def sender_and_frame(self, request, frames, adult):
        sender, frame = frames[request.param]
        if frame.get("to", 0) is None:
            frame = {**frame, "to": adult.pk}
        return sender, frame

    async def test_text_is_stored_stripped(self, sender_and_frame):
        sender, frame = sender_and_frame
        ws = await connect(sender)
        ack = await request(ws, {**frame, "message": "  hi there ", "client_id": "c1"})
        await ws.disconnect()

        assert ack["type"] == "ack", ack
        assert await sync_to_async(_stored_text)(ack["id"]) == "hi there"

    @pytest.mark.parametrize(
        "extra",
        [{"message": "a\x00b"}, {"message": " \t "}, {"message": "x", "media_url": "x" * 1001}],
    )
    async def test_bad_text_is_an_error_frame(self, sender_and_frame, extra):
        sender, frame = sender_and_frame
        ws = await connect(sender)
        error = await request(ws, {**frame, **extra, "client_id": "c2"})
        await ws.disconnect()

        assert (error["type"], error["code"]) == ("error", "invalid")
