"""Room edits by a muted or restricted owner/moderator (docs/rooms.md "Edits under a mute or a
restriction"): the name, description and music reach every member, so a mute stops them; making a
private room public brings strangers in, so a restriction stops it. REST and the settings page."""

import pytest

from rooms.models import ChatRoom, Role
from tests.conftest import page_client_for
from tests.factories import MemberFactory, ModerationActionFactory, RoomFactory
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db

SPOTIFY = "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"


def mute(user):
    ModerationActionFactory(target_user=user, action_type="mute", duration_minutes=60)


def restrict(user):
    ModerationActionFactory(target_user=user, action_type="restrict")


def settings_form(room, **changes) -> dict:
    """What the settings page's form posts: every field, changed or not."""
    data = {
        "action": "update",
        "room_name": room.room_name,
        "description": room.description or "",
        "background_color": room.background_color,
        "max_participants": room.max_participants,
        "music_url": room.music_url or "",
    }
    if room.is_public:
        data["is_public"] = "on"
    data.update(changes)
    return data


# --- REST -----------------------------------------------------------------------------------
def test_a_muted_owner_cannot_rename_the_room(room, owner, make_client):
    mute(owner)

    response = make_client(owner).patch(
        rooms_url(room.pk), {"room_name": "URGENT: verify your account"}, format="json"
    )

    assert response.status_code == 403
    assert response.data["code"] == "muted"
    room.refresh_from_db()
    assert room.room_name == "Corner café"


@pytest.mark.parametrize(
    "change", [{"description": "Call me at this number"}, {"music_url": SPOTIFY}]
)
def test_a_muted_moderator_cannot_change_the_description_or_the_music(room, make_client, change):
    mod = MemberFactory(room=room, role=Role.MOD).user
    mute(mod)

    response = make_client(mod).patch(rooms_url(room.pk), change, format="json")

    assert response.status_code == 403
    assert response.data["code"] == "muted"
    room.refresh_from_db()
    assert room.description is None and room.music_url is None


def test_a_muted_owner_may_still_change_the_colour_and_the_capacity(room, owner, make_client):
    mute(owner)

    response = make_client(owner).patch(
        rooms_url(room.pk),
        {"background_color": "#3D5A80", "max_participants": 5, "room_name": "Corner café"},
        format="json",
    )

    assert response.status_code == 200, response.data
    room.refresh_from_db()
    assert (room.background_color, room.max_participants) == ("#3D5A80", 5)


def test_a_restricted_owner_cannot_make_a_private_room_public(owner, make_client):
    private = RoomFactory(owner=owner, is_public=False)
    restrict(owner)

    response = make_client(owner).patch(rooms_url(private.pk), {"is_public": True}, format="json")

    assert response.status_code == 403
    assert response.data["code"] == "restricted"
    private.refresh_from_db()
    assert private.is_public is False


def test_a_restricted_owner_may_still_rename_or_close_the_room(room, owner, make_client):
    restrict(owner)

    response = make_client(owner).patch(
        rooms_url(room.pk), {"is_public": False, "room_name": "Closed"}, format="json"
    )

    assert response.status_code == 200, response.data
    room.refresh_from_db()
    assert (room.is_public, room.room_name) == (False, "Closed")


# --- The settings page ----------------------------------------------------------------------
def test_a_muted_owner_renaming_on_the_settings_page_is_refused(room, owner):
    mute(owner)

    response = page_client_for(owner).post(
        f"/rooms/{room.pk}/settings/", settings_form(room, room_name="Free prizes")
    )

    assert response.status_code == 403
    assert "You are muted" in response.content.decode()
    assert ChatRoom.objects.get(pk=room.pk).room_name == "Corner café"


def test_a_muted_owner_saving_a_new_colour_on_the_settings_page_works(room, owner):
    mute(owner)

    response = page_client_for(owner).post(
        f"/rooms/{room.pk}/settings/", settings_form(room, background_color="#3D5A80")
    )

    assert response.status_code == 302
    assert ChatRoom.objects.get(pk=room.pk).background_color == "#3D5A80"


def test_a_restricted_owner_making_the_room_public_on_the_settings_page_is_refused(owner):
    private = RoomFactory(owner=owner, is_public=False)
    restrict(owner)

    response = page_client_for(owner).post(
        f"/rooms/{private.pk}/settings/", settings_form(private, is_public="on")
    )

    assert response.status_code == 403
    assert "restricted" in response.content.decode()
    assert ChatRoom.objects.get(pk=private.pk).is_public is False
