"""Rooms: create, my rooms, read, edit, delete (API.md "Rooms")."""

import pytest

from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage, Role
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    RoomMessageFactory,
    TeenFactory,
    UserFactory,
)
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db

SPOTIFY = "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"


# --- Create ---------------------------------------------------------------------------------
def test_creating_a_room_makes_me_its_owner_with_alpha_defaults(adult, make_client):
    response = make_client(adult).post(rooms_url(), {"room_name": "  Rooftop  "}, format="json")

    assert response.status_code == 201, response.data
    body = response.data
    assert body["room_name"] == "Rooftop"
    assert body["is_public"] is True
    assert body["background_color"] == "#1A1A1E"
    assert body["max_participants"] == 10
    assert body["capacity"] == 10
    assert body["member_count"] == 1
    assert body["my_role"] == "OWNR"
    assert body["owner_id"] == adult.pk
    membership = ChatRoomMember.objects.get(room_id=body["id"])
    assert (membership.user_id, membership.role) == (adult.pk, Role.OWNER)


def test_room_music_is_validated_and_its_provider_derived(adult, make_client):
    client = make_client(adult)
    response = client.post(rooms_url(), {"room_name": "Tunes", "music_url": SPOTIFY}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["music_provider"] == "spotify"

    refused = client.post(
        rooms_url(), {"room_name": "Tunes", "music_url": "https://evil.example/x"}, format="json"
    )
    assert refused.status_code == 400
    assert "music_url" in refused.data["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"room_name": ""},
        {"room_name": "   "},
        {"room_name": "x" * 101},
        {"room_name": "ok", "max_participants": 11},
        {"room_name": "ok", "max_participants": 1},
        {"room_name": "ok", "background_color": "red"},
        {"room_name": "ok", "background_color": "#12345G"},
        {"room_name": "ok", "owner_id": "someone-else"},
    ],
)
def test_invalid_room_fields_are_refused_with_a_400(adult, make_client, body):
    response = make_client(adult).post(rooms_url(), body, format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert not ChatRoom.objects.exists()


def test_a_restricted_person_cannot_create_a_room(adult, make_client):
    ModerationActionFactory(target_user=adult, action_type="restrict", duration_minutes=60)

    response = make_client(adult).post(rooms_url(), {"room_name": "Nope"}, format="json")

    assert response.status_code == 403
    assert response.data["code"] == "restricted"
    assert not ChatRoom.objects.exists()


def test_creating_a_room_publishes_the_owner_joining_after_commit(
    adult, make_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(adult).post(rooms_url(), {"room_name": "Live"}, format="json")
        assert published == []

    room_id = response.data["id"]
    event = {
        "type": "room.member",
        "room_id": room_id,
        "user_id": adult.pk,
        "event": "joined",
        "role": "OWNR",
    }
    assert published == [(f"room.{room_id}", event), (f"user.{adult.pk}", event)]


# --- My rooms -------------------------------------------------------------------------------
def test_my_rooms_lists_rooms_i_am_in_with_my_role_but_not_bans(member, room, make_client):
    banned_from = RoomFactory()
    MemberFactory(room=banned_from, user=member, is_banned=True)
    RoomFactory()  # a room I am not in

    response = make_client(member).get(rooms_url())

    assert response.status_code == 200
    rows = response.data["results"]
    assert [(row["id"], row["role"]) for row in rows] == [(room.pk, "USER")]
    assert rows[0]["member_count"] == 2


def test_my_rooms_take_a_constant_number_of_queries(adult, make_client, django_assert_num_queries):
    client = make_client(adult)
    client.get(rooms_url())  # token lookup warm-up is part of every request anyway

    def make_rooms(n):
        for _ in range(n):
            room = RoomFactory()
            MemberFactory(room=room, user=adult)
            RoomMessageFactory(room=room)

    make_rooms(2)
    # 1 token + user, 2 count, 3 the page with unread and member counts
    with django_assert_num_queries(3):
        assert len(client.get(rooms_url()).data["results"]) == 2
    make_rooms(8)
    with django_assert_num_queries(3):
        assert len(client.get(rooms_url()).data["results"]) == 10


# --- Read -----------------------------------------------------------------------------------
def test_anyone_of_the_segment_may_read_a_public_room(room, outsider, make_client):
    response = make_client(outsider).get(rooms_url(room.pk))

    assert response.status_code == 200
    assert response.data["room_name"] == "Corner café"
    assert response.data["my_role"] is None


def test_a_private_room_is_a_404_for_non_members_and_readable_by_members(
    owner, outsider, make_client
):
    private = RoomFactory(owner=owner, is_public=False)
    viewer = MemberFactory(room=private).user

    assert make_client(outsider).get(rooms_url(private.pk)).status_code == 404
    assert make_client(viewer).get(rooms_url(private.pk)).status_code == 200


def test_a_room_of_the_other_segment_is_a_404(room, minor, make_client):
    teen_room = RoomFactory(owner=TeenFactory())

    assert make_client(minor).get(rooms_url(room.pk)).status_code == 404
    assert make_client(room.owner).get(rooms_url(teen_room.pk)).status_code == 404


def test_a_public_room_whose_owner_is_blocked_either_way_is_a_404(room, owner, make_client):
    blocker, blocked = UserFactory(), UserFactory()
    BlockFactory(blocker=blocker, blocked=owner)
    BlockFactory(blocker=owner, blocked=blocked)

    assert make_client(blocker).get(rooms_url(room.pk)).status_code == 404
    assert make_client(blocked).get(rooms_url(room.pk)).status_code == 404


def test_an_unknown_room_is_a_404_envelope(adult, make_client):
    response = make_client(adult).get(rooms_url(987654))

    assert response.status_code == 404
    assert response.data == {"detail": "No such room.", "code": "not_found"}


def test_anonymous_callers_get_a_401(room, anon_client):
    assert anon_client.get(rooms_url()).status_code == 401
    assert anon_client.get(rooms_url(room.pk)).status_code == 401


# --- Edit and delete ------------------------------------------------------------------------
def test_owner_and_moderator_may_edit_a_room(room, owner, make_client):
    mod = MemberFactory(room=room, role=Role.MOD).user

    first = make_client(owner).patch(rooms_url(room.pk), {"room_name": "New"}, format="json")
    second = make_client(mod).patch(
        rooms_url(room.pk), {"is_public": False, "music_url": SPOTIFY}, format="json"
    )

    assert first.status_code == 200, first.data
    assert second.status_code == 200, second.data
    room.refresh_from_db()
    assert (room.room_name, room.is_public, room.music_provider) == ("New", False, "spotify")


def test_clearing_the_music_clears_its_provider(owner, make_client):
    room = RoomFactory(owner=owner, music_url=SPOTIFY, music_provider="spotify")

    response = make_client(owner).patch(rooms_url(room.pk), {"music_url": ""}, format="json")

    assert response.status_code == 200
    room.refresh_from_db()
    assert (room.music_url, room.music_provider) == (None, None)


def test_a_member_may_not_edit_and_an_outsider_of_a_private_room_gets_a_404(
    room, member, owner, outsider, make_client
):
    private = RoomFactory(owner=owner, is_public=False)

    by_member = make_client(member).patch(rooms_url(room.pk), {"room_name": "x"}, format="json")
    by_outsider = make_client(outsider).patch(
        rooms_url(private.pk), {"room_name": "x"}, format="json"
    )

    assert by_member.status_code == 403
    assert by_member.data["code"] == "not_room_staff"
    assert by_outsider.status_code == 404
    room.refresh_from_db()
    assert room.room_name == "Corner café"


def test_only_the_owner_may_delete_a_room_with_its_messages(room, owner, member, make_client):
    mod = MemberFactory(room=room, role=Role.MOD).user
    RoomMessageFactory(room=room)

    assert make_client(mod).delete(rooms_url(room.pk)).status_code == 403
    assert make_client(member).delete(rooms_url(room.pk)).status_code == 403
    assert make_client(owner).delete(rooms_url(room.pk)).status_code == 204
    assert not ChatRoom.objects.filter(pk=room.pk).exists()
    assert not ChatRoomMessage.objects.exists()
