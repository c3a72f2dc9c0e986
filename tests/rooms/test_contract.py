"""The functions the socket relies on (contract 4): room ids, member ids, read access."""

import pytest

from rooms.selectors import can_read_room, room_ids_for_user, room_member_ids
from tests.factories import BlockFactory, MemberFactory, RoomFactory, TeenFactory

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


def test_room_member_ids_are_the_non_banned_members(room, owner, member):
    MemberFactory(room=room, is_banned=True)

    assert room_member_ids(room.pk) == [owner.pk, member.pk]


def test_can_read_room_is_true_only_for_non_banned_members(room, member, outsider, owner):
    banned = MemberFactory(room=room, is_banned=True).user
    BlockFactory(blocker=member, blocked=owner)  # a member's block does not hide their room

    assert can_read_room(member, room.pk) is True
    assert can_read_room(outsider, room.pk) is False
    assert can_read_room(banned, room.pk) is False
    assert can_read_room(member, 10**12) is False
    assert can_read_room(member, "not a number") is False
