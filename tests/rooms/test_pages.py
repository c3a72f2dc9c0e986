"""The server-rendered room pages: /rooms/ and /rooms/<id>/ render for the right people, refuse
the others with the API's 404/403, and their forms go through the rooms services."""

import pytest
from django.test import Client

from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage
from tests.conftest import page_client_for
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    RoomMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def room_url(room, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/rooms/{room.pk}/{tail}"


# --- /rooms/ ----------------------------------------------------------------------------------
def test_my_rooms_page_lists_my_rooms_with_unread_counts(room, owner, member):
    RoomMessageFactory(room=room, user=owner, message="one")
    RoomMessageFactory(room=room, user=owner, message="two")
    other_room = RoomFactory(room_name="Not mine")

    response = page_client_for(member).get("/rooms/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Corner café" in html
    assert "2 unread" in html
    assert other_room.room_name not in html
    assert 'href="/discover/"' in html


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get("/rooms/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_creating_a_room_from_the_page_makes_me_its_owner(adult):
    response = page_client_for(adult).post(
        "/rooms/",
        {
            "room_name": "Night owls",
            "description": "late talk",
            "is_public": "on",
            "background_color": "#123456",
            "max_participants": "5",
        },
    )

    room = ChatRoom.objects.get(room_name="Night owls")
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/"
    assert room.owner_id == adult.pk
    assert room.max_participants == 5
    assert ChatRoomMember.objects.filter(room=room, user=adult, role="OWNR").exists()


def test_a_restricted_person_cannot_create_a_room_from_the_page(adult):
    ModerationActionFactory(target_user=adult, action_type="restrict")

    response = page_client_for(adult).post(
        "/rooms/",
        {"room_name": "Sneaky", "background_color": "#123456", "max_participants": "5"},
    )

    assert response.status_code == 403
    assert not ChatRoom.objects.filter(room_name="Sneaky").exists()
    assert "restricted" in response.content.decode().lower()


def test_a_bad_room_form_is_shown_again_with_the_error(adult):
    response = page_client_for(adult).post(
        "/rooms/", {"room_name": "", "background_color": "red", "max_participants": "50"}
    )
    assert response.status_code == 400
    assert not ChatRoom.objects.exists()


# --- /rooms/<id>/ -----------------------------------------------------------------------------
def test_a_member_sees_the_room_members_roles_history_and_composer(room, owner, member):
    RoomMessageFactory(room=room, user=owner, message="Welcome <b>all</b>")

    response = page_client_for(member).get(room_url(room))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Corner café" in html
    assert room.background_color in html
    assert "Olive Owner" in html and "Mia Member" in html
    assert "Owner" in html
    assert "Welcome &lt;b&gt;all&lt;/b&gt;" in html  # escaped, never raw markup
    assert 'id="composer"' in html
    assert 'id="live-config"' in html
    assert "/static/messaging/live.js" in html
    assert 'id="leave-room"' in html


def test_the_room_page_shows_the_latest_fifty_messages_oldest_first(room, owner, member):
    for n in range(55):
        RoomMessageFactory(room=room, user=owner, message=f"msg-{n:02d}")

    html = page_client_for(member).get(room_url(room)).content.decode()

    assert "msg-04<" not in html
    assert "msg-05<" in html
    assert html.index("msg-05<") < html.index("msg-54<")
    assert "older messages are not shown" in html


def test_the_live_config_carries_ids_and_the_last_message_id(room, owner, member):
    last = RoomMessageFactory(room=room, user=owner, message="last")

    response = page_client_for(member).get(room_url(room))

    config = response.context["live"]
    assert config["kind"] == "room"
    assert config["room_id"] == room.pk
    assert config["me"] == member.pk
    assert config["last_id"] == last.pk
    assert config["history_url"] == f"/api/rooms/{room.pk}/messages/"


def test_a_non_member_of_a_public_room_sees_it_with_a_join_button_but_no_history(
    room, owner, outsider
):
    RoomMessageFactory(room=room, user=owner, message="members only talk")

    response = page_client_for(outsider).get(room_url(room))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="join-room"' in html
    assert "members only talk" not in html
    assert 'id="composer"' not in html


def test_joining_from_the_page_makes_me_a_member(room, outsider):
    response = page_client_for(outsider).post(room_url(room, "join"))

    assert response.status_code == 302
    assert ChatRoomMember.objects.filter(room=room, user=outsider, is_banned=False).exists()


def test_leaving_from_the_page_removes_my_membership(room, member):
    response = page_client_for(member).post(room_url(room, "leave"))

    assert response.status_code == 302
    assert response["Location"] == "/rooms/"
    assert not ChatRoomMember.objects.filter(room=room, user=member).exists()


def test_a_teen_opening_an_adults_room_gets_404(room, minor):
    assert page_client_for(minor).get(room_url(room)).status_code == 404
    assert page_client_for(minor).post(room_url(room, "join")).status_code == 404


def test_an_outsider_gets_404_for_a_private_room(owner, outsider):
    private = RoomFactory(owner=owner, is_public=False)
    assert page_client_for(outsider).get(room_url(private)).status_code == 404


@pytest.mark.parametrize("direction", ["owner_blocks_visitor", "visitor_blocks_owner"])
def test_a_public_room_is_404_when_its_owner_and_the_visitor_are_blocked_either_way(
    room, owner, outsider, direction
):
    if direction == "owner_blocks_visitor":
        BlockFactory(blocker=owner, blocked=outsider)
    else:
        BlockFactory(blocker=outsider, blocked=owner)
    assert page_client_for(outsider).get(room_url(room)).status_code == 404


def test_a_banned_member_gets_403_on_the_room_page(room, owner, member):
    ChatRoomMember.objects.filter(room=room, user=member).update(is_banned=True)

    client = page_client_for(member)
    assert client.get(room_url(room)).status_code == 403
    assert client.post(room_url(room, "send"), {"message": "let me in"}).status_code == 403
    assert not ChatRoomMessage.objects.filter(user=member).exists()


@pytest.mark.parametrize("room_id", ["abc", "0", "99999999999999", "-1"])
def test_malformed_room_ids_are_404_not_500(adult, room_id):
    assert page_client_for(adult).get(f"/rooms/{room_id}/").status_code == 404


def test_a_member_blocked_by_me_is_hidden_from_the_member_list_and_history(room, owner, member):
    blocked = MemberFactory(room=room, user=UserFactory(profile__display_name="Bo Blocked")).user
    RoomMessageFactory(room=room, user=blocked, message="from the blocked one")
    BlockFactory(blocker=member, blocked=blocked)

    html = page_client_for(member).get(room_url(room)).content.decode()

    assert "Bo Blocked" not in html
    assert "from the blocked one" not in html


# --- The no-JavaScript composer --------------------------------------------------------------
def test_sending_from_the_page_form_saves_the_message(room, member):
    response = page_client_for(member).post(room_url(room, "send"), {"message": "hello form"})

    assert response.status_code == 302
    assert ChatRoomMessage.objects.filter(room=room, user=member, message="hello form").exists()


def test_a_muted_member_posting_with_the_page_form_gets_the_error(room, member):
    ModerationActionFactory(target_user=member, action_type="mute", duration_minutes=30)

    response = page_client_for(member).post(room_url(room, "send"), {"message": "can I talk?"})

    assert response.status_code == 403
    assert "muted" in response.content.decode()
    assert not ChatRoomMessage.objects.filter(user=member).exists()


def test_a_non_member_cannot_send_with_the_page_form(room, outsider):
    response = page_client_for(outsider).post(room_url(room, "send"), {"message": "hi"})
    assert response.status_code == 403
    assert not ChatRoomMessage.objects.exists()


def test_a_teen_cannot_send_to_an_adult_room_with_the_page_form(room, minor):
    response = page_client_for(minor).post(room_url(room, "send"), {"message": "hi"})
    assert response.status_code == 404


# --- Moderation buttons ----------------------------------------------------------------------
def test_the_owner_sees_kick_and_ban_buttons_and_kicking_removes_the_member(room, owner, member):
    client = page_client_for(owner)
    html = client.get(room_url(room)).content.decode()
    assert f"/rooms/{room.pk}/members/{member.pk}/kick/" in html

    response = client.post(room_url(room, "members", member.pk, "kick"))

    assert response.status_code == 302
    assert not ChatRoomMember.objects.filter(room=room, user=member).exists()


def test_an_ordinary_member_cannot_ban_from_the_page(room, owner, member):
    other = MemberFactory(room=room).user
    client = page_client_for(member)
    assert "/ban/" not in client.get(room_url(room)).content.decode()

    response = client.post(room_url(room, "members", other.pk, "ban"))

    assert response.status_code == 403
    assert not ChatRoomMember.objects.get(room=room, user=other).is_banned


# --- Query counts ----------------------------------------------------------------------------
@pytest.mark.parametrize("history_size", [3, 40])
def test_the_room_page_costs_the_same_number_of_queries_whatever_the_history_size(
    room, owner, member, django_assert_num_queries, history_size
):
    for _ in range(4):
        MemberFactory(room=room)
    for n in range(history_size):
        RoomMessageFactory(room=room, user=owner, message=f"m{n}")
    client = page_client_for(member)
    client.get(room_url(room))  # warm the session

    with django_assert_num_queries(ROOM_PAGE_QUERIES):
        response = client.get(room_url(room))

    assert response.status_code == 200
    assert len(response.context["history"]) == history_size


ROOM_PAGE_QUERIES = 11  # + the moderation banner and the header badge


def test_teen_rooms_render_for_teens(minor, other_minor):
    teen_room = RoomFactory(owner=minor, room_name="Teen corner")
    MemberFactory(room=teen_room, user=other_minor)
    response = page_client_for(other_minor).get(room_url(teen_room))
    assert response.status_code == 200
    assert "Teen corner" in response.content.decode()
    assert page_client_for(UserFactory()).get(room_url(teen_room)).status_code == 404
