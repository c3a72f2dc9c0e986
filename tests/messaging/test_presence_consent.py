"""Presence by consent (docs/live.md "Presence"): only between co-members of a room (each joined
themself) or two people in a conversation BOTH wrote in. One unanswered message, or an
invitation not yet accepted, gives nothing: REST, the profile page and the socket agree."""

import pytest
from channels.db import database_sync_to_async as sync_to_async

from messaging.models import Presence, PrivateMessage
from tests.conftest import api_client_for, page_client_for
from tests.factories import RoomFactory
from tests.messaging.live_helpers import connect, drain, receive_until, send
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db


def online(user):
    return Presence.objects.create(user=user, status="online", activity="chatting")


def presence_rows(viewer, other) -> list[dict]:
    response = api_client_for(viewer).get("/api/presence/", {"user_id": other.pk})
    assert response.status_code == 200
    return response.json()


def dm(sender, recipient):
    response = api_client_for(sender).post(
        f"/api/dms/{recipient.pk}/messages/", {"message": "hi"}, format="json"
    )
    assert response.status_code == 201, response.content


# --- Direct messages ------------------------------------------------------------------------
def test_one_unanswered_dm_gives_no_presence_either_way(adult, other_adult):
    online(adult)
    online(other_adult)
    dm(adult, other_adult)

    assert presence_rows(adult, other_adult) == []
    assert presence_rows(other_adult, adult) == []
    profile = api_client_for(adult).get(f"/api/users/{other_adult.pk}/").json()
    assert profile["presence"] is None


def test_an_answered_dm_gives_presence_both_ways(adult, other_adult):
    online(adult)
    online(other_adult)
    dm(adult, other_adult)
    dm(other_adult, adult)

    assert presence_rows(adult, other_adult)[0]["status"] == "online"
    assert presence_rows(other_adult, adult)[0]["status"] == "online"
    assert presence_rows(adult, other_adult)[0]["last_seen_at"] is not None


def test_the_profile_page_shows_no_presence_to_a_one_sided_writer(adult, other_adult):
    online(other_adult)
    PrivateMessage.objects.create(sender=adult, recipient=other_adult, message="hi")
    client = page_client_for(adult)

    before = client.get(f"/u/{other_adult.pk}/").content.decode()
    PrivateMessage.objects.create(sender=other_adult, recipient=adult, message="hello")
    after = client.get(f"/u/{other_adult.pk}/").content.decode()

    assert 'class="dot online"' not in before
    assert 'class="dot online"' in after


# --- Rooms: an invitation is not consent ----------------------------------------------------
def test_an_invitee_gets_no_presence_until_they_accept(owner, outsider):
    online(owner)
    online(outsider)
    private = RoomFactory(owner=owner, is_public=False)
    answer = api_client_for(owner).post(
        rooms_url(private.pk, "members"), {"user_id": outsider.pk}, format="json"
    )
    assert answer.status_code == 202

    assert presence_rows(owner, outsider) == []
    assert presence_rows(outsider, owner) == []

    assert api_client_for(outsider).post(rooms_url(private.pk, "join")).status_code == 201
    assert presence_rows(owner, outsider)[0]["status"] == "online"
    assert presence_rows(outsider, owner)[0]["status"] == "online"
    members = api_client_for(owner).get(rooms_url(private.pk, "members")).json()["results"]
    by_id = {row["user_id"]: row for row in members}
    assert by_id[outsider.pk]["presence"]["status"] == "online"


# --- The socket -----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_presence_frame_is_not_delivered_to_a_one_sided_dm_partner(adult, other_adult):
    await sync_to_async(dm)(adult, other_adult)
    watcher = await connect(adult)
    await drain(watcher)

    ws = await connect(other_adult)
    await send(ws, {"type": "presence", "status": "away", "activity": "browsing"})
    await drain(ws)

    assert [f for f in await drain(watcher) if f["type"] == "presence"] == []
    await ws.disconnect()
    await watcher.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_presence_frame_reaches_a_partner_once_both_have_written(adult, other_adult):
    await sync_to_async(dm)(adult, other_adult)
    await sync_to_async(dm)(other_adult, adult)
    watcher = await connect(adult)
    await drain(watcher)

    ws = await connect(other_adult)
    await send(ws, {"type": "presence", "status": "away", "activity": "browsing"})

    frame = await receive_until(
        watcher, lambda f: f["type"] == "presence" and f["status"] == "away"
    )
    assert frame["user_id"] == other_adult.pk
    await ws.disconnect()
    await watcher.disconnect()
