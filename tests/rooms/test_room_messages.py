"""Room messages: send (REST and the shared service), history pages, read markers, unread counts."""

import datetime as dt

import pytest
from django.utils import timezone

from rooms.models import ChatRoomMember, ChatRoomMessage
from rooms.services import room_message_send
from tests.accounts.events import listen
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    RoomMessageFactory,
)
from tests.rooms.conftest import rooms_url, upload_png
from wya.errors import Forbidden, Invalid, RateLimited

pytestmark = pytest.mark.django_db

FRAME_FIELDS = {"id", "room_id", "user_id", "message", "media_url", "created_at"}


def send(client, room, body):
    return client.post(rooms_url(room.pk, "messages"), body, format="json")


# --- Send -----------------------------------------------------------------------------------
def test_a_member_sends_a_stripped_message_published_to_the_room_after_commit(
    room, member, make_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(make_client(member), room, {"message": "  hello there  "})
        assert published == []

    assert response.status_code == 201, response.data
    assert set(response.data) == FRAME_FIELDS
    assert response.data["message"] == "hello there"
    assert response.data["user_id"] == member.pk
    saved = ChatRoomMessage.objects.get()
    assert saved.message == "hello there"
    assert published == [
        (f"room.{room.pk}", {"type": "room.message", "message": response.data}),
    ]


def test_the_service_is_the_same_path_for_the_socket(room, member, published):
    message = room_message_send(user=member, room_id=room.pk, message="from a socket")

    assert message.room_id == room.pk
    with pytest.raises(Invalid):
        room_message_send(user=member, room_id=room.pk, message=None)
    with pytest.raises(Invalid):
        room_message_send(user=member, room_id=room.pk, message=["not", "text"])
    with pytest.raises(Invalid):  # PostgreSQL cannot store NUL: refused, never a crash
        room_message_send(user=member, room_id=room.pk, message="nul\x00byte")


@pytest.mark.parametrize("text", ["", "    ", "x" * 2001])
def test_empty_or_over_long_messages_are_refused(room, member, make_client, text):
    response = send(make_client(member), room, {"message": text})

    assert response.status_code == 400
    assert not ChatRoomMessage.objects.exists()


def test_a_message_of_exactly_2000_characters_is_accepted(room, member, make_client):
    assert send(make_client(member), room, {"message": "x" * 2000}).status_code == 201


def test_media_the_server_issued_to_the_sender_is_accepted_even_without_text(
    room, member, make_client
):
    client = make_client(member)
    media_url = upload_png(client)

    response = send(client, room, {"message": "", "media_url": media_url})

    assert response.status_code == 201, response.data
    assert response.data["media_url"] == media_url


def test_media_issued_to_someone_else_or_from_elsewhere_is_refused(
    room, owner, member, make_client
):
    owners_media = upload_png(make_client(owner))
    client = make_client(member)

    for media_url in [owners_media, "https://evil.example/cat.png", "/media/../../etc/passwd"]:
        response = send(client, room, {"message": "look", "media_url": media_url})
        assert response.status_code == 400, media_url
    assert not ChatRoomMessage.objects.exists()


def test_people_outside_the_room_cannot_send(room, owner, outsider, make_client):
    private = RoomFactory(owner=owner, is_public=False)

    public = send(make_client(outsider), room, {"message": "hi"})
    hidden = send(make_client(outsider), private, {"message": "hi"})

    assert (public.status_code, public.data["code"]) == (403, "not_member")
    assert hidden.status_code == 404


def test_a_muted_member_cannot_send(room, member, make_client):
    ModerationActionFactory(target_user=member, action_type="mute", duration_minutes=30)

    response = send(make_client(member), room, {"message": "hi"})

    assert response.status_code == 403
    assert response.data["code"] == "muted"
    assert "muted" in response.data["detail"]


def test_an_expired_mute_no_longer_stops_sending(room, member, make_client):
    action = ModerationActionFactory(target_user=member, action_type="mute", duration_minutes=5)
    action.created_at = timezone.now() - dt.timedelta(minutes=10)
    action.save()

    assert send(make_client(member), room, {"message": "hi"}).status_code == 201


def test_the_shared_message_rate_limit_gives_a_429(room, member, make_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "messages": "2/day"}
    client = make_client(member)

    assert send(client, room, {"message": "1"}).status_code == 201
    room_message_send(user=member, room_id=room.pk, message="2")  # the socket's path counts too
    response = send(client, room, {"message": "3"})

    assert response.status_code == 429
    assert response.data["code"] == "rate_limited"
    with pytest.raises(RateLimited):
        room_message_send(user=member, room_id=room.pk, message="4")
    assert ChatRoomMessage.objects.count() == 2


def test_the_service_refuses_banned_members(room, member):
    ChatRoomMember.objects.filter(room=room, user=member).update(is_banned=True)

    with pytest.raises(Forbidden) as refused:
        room_message_send(user=member, room_id=room.pk, message="hi")
    assert refused.value.code == "banned"


# --- History --------------------------------------------------------------------------------
def history(client, room, **params):
    return client.get(rooms_url(room.pk, "messages"), params)


def test_history_pages_go_backwards_and_forwards_in_ascending_order(room, member, make_client):
    ids = [RoomMessageFactory(room=room).id for _ in range(5)]
    client = make_client(member)

    newest = history(client, room, limit=2).data
    older = history(client, room, before=ids[3], limit=2).data
    after = history(client, room, after=ids[1]).data

    assert [m["id"] for m in newest["results"]] == ids[3:]
    assert newest["has_more"] is True
    assert [m["id"] for m in older["results"]] == ids[1:3]
    assert [m["id"] for m in after["results"]] == ids[2:]
    assert after["has_more"] is False
    assert set(newest["results"][0]) == FRAME_FIELDS


def test_history_leaves_out_authors_blocked_either_way(room, member, make_client):
    blocked, blocker = MemberFactory(room=room).user, MemberFactory(room=room).user
    BlockFactory(blocker=member, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=member)
    kept = RoomMessageFactory(room=room)
    RoomMessageFactory(room=room, user=blocked)
    RoomMessageFactory(room=room, user=blocker)

    results = history(make_client(member), room).data["results"]

    assert [m["id"] for m in results] == [kept.id]


def test_only_members_read_history(room, owner, outsider, make_client):
    private = RoomFactory(owner=owner, is_public=False)

    assert history(make_client(outsider), room).status_code == 403
    assert history(make_client(outsider), private).status_code == 404


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"before": "x"}, {"before": 1, "after": 1}]
)
def test_bad_cursor_parameters_are_a_400(room, member, make_client, params):
    assert history(make_client(member), room, **params).status_code == 400


def test_history_takes_a_constant_number_of_queries(
    room, member, make_client, django_assert_num_queries
):
    for _ in range(30):
        RoomMessageFactory(room=room)
    client = make_client(member)
    # 1 token, 2 room + owner, 3 my membership, 4 the page (blocks are a subquery)
    with django_assert_num_queries(4):
        assert len(history(client, room, limit=5).data["results"]) == 5
    with django_assert_num_queries(4):
        assert len(history(client, room, limit=25).data["results"]) == 25


# --- Read markers and unread counts ---------------------------------------------------------
def unread(client, room) -> int:
    rows = client.get(rooms_url()).data["results"]
    return next(row["unread_count"] for row in rows if row["id"] == room.pk)


def test_unread_counts_everything_before_the_first_read_but_not_my_own_messages(
    room, member, make_client
):
    RoomMessageFactory.create_batch(3, room=room)
    RoomMessageFactory(room=room, user=member)

    assert unread(make_client(member), room) == 3


def test_reading_a_room_resets_its_unread_count_and_publishes_nothing(
    room, member, owner, make_client, published, django_capture_on_commit_callbacks
):
    RoomMessageFactory.create_batch(2, room=room)
    client = make_client(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(rooms_url(room.pk, "read"))

    assert response.status_code == 200
    assert response.data["last_seen_at"]
    assert published == []
    assert unread(client, room) == 0
    later = timezone.now() + dt.timedelta(seconds=1)
    RoomMessageFactory(room=room, created_at=later)
    assert unread(client, room) == 1


def test_unread_counts_leave_out_people_blocked_either_way(room, member, make_client):
    blocked = MemberFactory(room=room).user
    BlockFactory(blocker=blocked, blocked=member)
    RoomMessageFactory(room=room, user=blocked)
    RoomMessageFactory(room=room)

    assert unread(make_client(member), room) == 1


def test_only_members_mark_a_room_read(room, outsider, make_client):
    response = make_client(outsider).post(rooms_url(room.pk, "read"))

    assert response.status_code == 403


def test_a_sent_message_reaches_the_room_group_on_the_real_channel_layer(
    room, member, make_client, django_capture_on_commit_callbacks
):
    listener = listen(f"room.{room.pk}")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = send(make_client(member), room, {"message": "over the wire"})
        event = listener.next_event()
    finally:
        listener.close()

    assert event["type"] == "room.message"
    assert event["message"] == response.json()
