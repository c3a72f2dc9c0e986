"""Room settings, confirmations and role changes on the pages (docs/pages.md): the same room
services as the API decide; owners and moderators only."""

import pytest

from messaging.models import PrivateMessage
from rooms.models import ChatRoom, ChatRoomMember, Role
from tests.conftest import page_client_for
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def settings_form(room, **changes):
    data = {
        "action": "update",
        "room_name": room.room_name,
        "description": room.description or "",
        "is_public": "on" if room.is_public else "",
        "background_color": room.background_color,
        "max_participants": str(room.max_participants),
        "music_url": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_owner_changes_name_colour_privacy_capacity_and_music_from_the_settings_page(
    room, owner
):
    client = page_client_for(owner)
    assert client.get(f"/rooms/{room.pk}/settings/").status_code == 200

    response = client.post(
        f"/rooms/{room.pk}/settings/",
        settings_form(
            room,
            room_name="Renamed",
            background_color="#F5D547",
            is_public="",
            max_participants="4",
            music_url="https://open.spotify.com/playlist/37i9dQZF1DX4sWSpwq3LiO",
        ),
    )

    assert response.status_code == 302
    room = ChatRoom.objects.get(pk=room.pk)
    assert (room.room_name, room.background_color, room.is_public) == ("Renamed", "#F5D547", False)
    assert room.max_participants == 4
    assert room.music_provider == "spotify"


def test_a_bad_music_link_is_shown_at_its_field(room, owner):
    response = page_client_for(owner).post(
        f"/rooms/{room.pk}/settings/", settings_form(room, music_url="https://example.test/x")
    )

    assert response.status_code == 400
    assert 'id="id_music_url_error"' in response.content.decode()


def test_an_ordinary_member_gets_403_on_the_settings_page(room, member):
    assert page_client_for(member).get(f"/rooms/{room.pk}/settings/").status_code == 403


def test_kick_asks_for_confirmation_before_acting(room, owner, member):
    client = page_client_for(owner)

    confirm = client.get(f"/rooms/{room.pk}/members/{member.pk}/kick/")

    assert confirm.status_code == 200
    assert "Yes, remove" in confirm.content.decode()
    assert ChatRoomMember.objects.filter(room=room, user=member).exists()
    client.post(f"/rooms/{room.pk}/members/{member.pk}/kick/")
    assert not ChatRoomMember.objects.filter(room=room, user=member).exists()


def test_ban_then_unban_from_the_pages(room, owner, member):
    client = page_client_for(owner)
    assert "Yes, ban" in client.get(f"/rooms/{room.pk}/members/{member.pk}/ban/").content.decode()

    client.post(f"/rooms/{room.pk}/members/{member.pk}/ban/")
    assert ChatRoomMember.objects.get(room=room, user=member).is_banned
    assert "Lift ban" in client.get(f"/rooms/{room.pk}/settings/").content.decode()

    client.post(f"/rooms/{room.pk}/members/{member.pk}/unban/")
    assert not ChatRoomMember.objects.filter(room=room, user=member, is_banned=True).exists()


def test_the_owner_makes_a_member_a_moderator_and_back(room, owner, member):
    client = page_client_for(owner)

    client.post(f"/rooms/{room.pk}/members/{member.pk}/role/", {"role": "MOD"})
    assert ChatRoomMember.objects.get(room=room, user=member).role == Role.MOD
    client.post(f"/rooms/{room.pk}/members/{member.pk}/role/", {"role": "USER"})
    assert ChatRoomMember.objects.get(room=room, user=member).role == Role.USER


def test_a_moderator_cannot_change_roles(room, owner, member):
    MemberFactory(room=room, user=UserFactory(), role=Role.MOD)
    moderator = ChatRoomMember.objects.get(room=room, role=Role.MOD).user

    page_client_for(moderator).post(f"/rooms/{room.pk}/members/{member.pk}/role/", {"role": "MOD"})

    assert ChatRoomMember.objects.get(room=room, user=member).role == Role.USER


def test_the_owner_invites_someone_they_talk_to_into_a_private_room_who_accepts(owner, other_adult):
    client = page_client_for(owner)
    client.post(
        "/rooms/",
        {"room_name": "Private", "background_color": "#3D5A80", "max_participants": "5"},
    )
    room = ChatRoom.objects.get(room_name="Private")
    assert not room.is_public
    PrivateMessage.objects.create(sender=other_adult, recipient=owner, message="hi")
    page = client.get(f"/rooms/{room.pk}/settings/").content.decode()
    assert f'value="{other_adult.pk}"' in page

    client.post(f"/rooms/{room.pk}/settings/", {"action": "invite", "user_id": other_adult.pk})

    assert not ChatRoomMember.objects.filter(room=room, user=other_adult).exists()
    page_client_for(other_adult).post(f"/rooms/{room.pk}/join/")
    assert ChatRoomMember.objects.filter(room=room, user=other_adult).exists()


def test_adding_a_teen_to_an_adult_room_is_refused_at_the_field(room, owner, minor):
    response = page_client_for(owner).post(
        f"/rooms/{room.pk}/settings/", {"action": "invite", "user_id": minor.pk}
    )

    assert response.status_code == 404
    assert not ChatRoomMember.objects.filter(room=room, user=minor).exists()


@pytest.mark.parametrize(
    ("background", "ink"), [("#F5D547", "#000000"), ("#1A1A1E", "#FFFFFF"), ("#7A1F3D", "#FFFFFF")]
)
def test_the_room_banner_text_colour_has_aa_contrast_on_the_room_colour(
    room, member, background, ink
):
    ChatRoom.objects.filter(pk=room.pk).update(background_color=background)

    html = page_client_for(member).get(f"/rooms/{room.pk}/").content.decode()

    assert f"background: {background}; color: {ink}" in html
