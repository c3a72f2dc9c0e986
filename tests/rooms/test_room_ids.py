"""The rooms a socket subscribes to: non-banned memberships in rooms of my segment."""

import pytest

from rooms.selectors import room_ids_for_user
from tests.factories import MemberFactory, RoomFactory, TeenFactory

pytestmark = pytest.mark.django_db


def test_room_ids_for_user_are_the_rooms_i_am_a_non_banned_member_of(room, member):
    banned_from = RoomFactory()
    MemberFactory(room=banned_from, user=member, is_banned=True)
    RoomFactory()

    assert room_ids_for_user(member) == [room.pk]


def test_room_ids_leave_out_rooms_of_a_segment_i_no_longer_belong_to(minor):
    teen_room = RoomFactory(owner=TeenFactory())
    MemberFactory(room=teen_room, user=minor)
    adult_room = RoomFactory()
    MemberFactory(room=adult_room, user=minor)  # bad data: a teen in an adult room

    assert room_ids_for_user(minor) == [teen_room.pk]
