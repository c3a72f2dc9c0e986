"""Capacity: at most min(max_participants, 10) non-banned members, also under concurrency."""

import threading

import pytest
from django.db import connection

from rooms.models import ChatRoomMember
from tests.conftest import api_client_for
from tests.factories import MemberFactory, RoomFactory, UserFactory
from tests.rooms.conftest import rooms_url


def fill(room, members: int) -> None:
    """Bring the room to ``members`` non-banned members (the owner counts)."""
    have = ChatRoomMember.objects.filter(room=room, is_banned=False).count()
    for _ in range(members - have):
        MemberFactory(room=room)


@pytest.mark.django_db
def test_a_full_room_refuses_joins_with_a_clear_409(room, outsider, make_client):
    fill(room, 10)

    response = make_client(outsider).post(rooms_url(room.pk, "join"))

    assert response.status_code == 409
    assert response.data["code"] == "room_full"
    assert "full" in response.data["detail"]


@pytest.mark.django_db
def test_a_full_room_refuses_an_invited_person_too(room, owner, outsider, make_client):
    # Staff invite rather than add (docs/rooms.md "Invites"): the capacity is checked when the
    # invited person joins, like any join.
    invited = make_client(owner).post(
        rooms_url(room.pk, "members"), {"user_id": outsider.pk}, format="json"
    )
    fill(room, 10)

    response = make_client(outsider).post(rooms_url(room.pk, "join"))

    assert invited.status_code == 202
    assert response.status_code == 409
    assert response.data["code"] == "room_full"


@pytest.mark.django_db
def test_a_smaller_room_limit_is_the_capacity(owner, outsider, make_client):
    room = RoomFactory(owner=owner, max_participants=3)
    fill(room, 3)

    assert make_client(outsider).post(rooms_url(room.pk, "join")).status_code == 409


@pytest.mark.django_db
def test_the_database_default_of_50_is_capped_to_the_alpha_limit(owner, outsider, make_client):
    room = RoomFactory(owner=owner, max_participants=50)
    fill(room, 10)

    response = make_client(outsider).post(rooms_url(room.pk, "join"))

    assert response.status_code == 409
    assert make_client(owner).get(rooms_url(room.pk)).data["capacity"] == 10


@pytest.mark.django_db
def test_banned_people_do_not_take_a_seat(room, outsider, make_client):
    fill(room, 9)
    MemberFactory(room=room, is_banned=True)

    assert make_client(outsider).post(rooms_url(room.pk, "join")).status_code == 201


def join_all_at_once(room_id: int, users) -> list[int]:
    """Every user joins at the same moment from their own thread and database connection."""
    clients = [api_client_for(user) for user in users]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def join(client):
        try:
            barrier.wait()
            status = client.post(rooms_url(room_id, "join")).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_joins_to_a_room_of_nine_leave_exactly_ten(on_postgres):
    room = RoomFactory(max_participants=10)
    fill(room, 9)
    joiners = UserFactory.create_batch(20)

    statuses = join_all_at_once(room.pk, joiners)

    assert sorted(statuses) == [201] + [409] * 19
    assert ChatRoomMember.objects.filter(room=room, is_banned=False).count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_joins_to_an_empty_room_let_in_exactly_ten(on_postgres):
    room = RoomFactory(max_participants=10, owner_membership=None)  # e.g. made in the admin
    joiners = UserFactory.create_batch(20)

    statuses = join_all_at_once(room.pk, joiners)

    assert statuses.count(201) == 10
    assert statuses.count(409) == 10
    assert ChatRoomMember.objects.filter(room=room, is_banned=False).count() == 10
