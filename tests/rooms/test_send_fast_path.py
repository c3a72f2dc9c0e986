"""The room-message hot path: ``policy.room_send_allowed`` decides from ONE hand-written query
(``rooms.selectors.room_send_facts``) and must say yes exactly when the full checks
(``member_room_access(...).require_member()`` and ``policy.can_send``) pass. Sending costs two
queries, whatever the room and the sender's moderation history."""

import datetime as dt

import pytest
from django.utils import timezone

from rooms.selectors import member_room_access, room_send_facts
from rooms.services import room_message_send
from safety import policy
from tests.factories import (
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
)
from wya.errors import ServiceError

pytestmark = pytest.mark.django_db


def full_checks_pass(user, room_id) -> bool:
    try:
        member_room_access(user, room_id).require_member()
        policy.raise_for(policy.can_send(user))
    except ServiceError:
        return False
    return True


def mute(user, *, minutes, ago=0, action_type="mute"):
    ModerationActionFactory(
        target_user=user,
        action_type=action_type,
        duration_minutes=minutes,
        created_at=timezone.now() - dt.timedelta(minutes=ago),
    )


def members_in_every_state(room):
    """One person per case the hot path must get right."""
    cases = {"member": MemberFactory(room=room).user, "owner": room.owner}
    cases["banned"] = MemberFactory(room=room, is_banned=True).user
    cases["outsider"] = UserFactory()
    cases["muted for an hour"] = MemberFactory(room=room).user
    mute(cases["muted for an hour"], minutes=60)
    cases["mute expired"] = MemberFactory(room=room).user
    mute(cases["mute expired"], minutes=5, ago=10)
    cases["muted until lifted"] = MemberFactory(room=room).user
    mute(cases["muted until lifted"], minutes=None)
    cases["expired and active mutes"] = MemberFactory(room=room).user
    mute(cases["expired and active mutes"], minutes=5, ago=10)
    mute(cases["expired and active mutes"], minutes=30)
    cases["restricted, not muted"] = MemberFactory(room=room).user
    mute(cases["restricted, not muted"], minutes=None, action_type="restrict")
    cases["teen row in an adult room"] = MemberFactory(room=room, user=TeenFactory()).user
    return cases


def test_the_hot_path_says_yes_exactly_when_the_full_checks_pass():
    room = RoomFactory()
    for name, user in members_in_every_state(room).items():
        fast = policy.room_send_allowed(user, room_send_facts(user, room.pk))
        assert fast == full_checks_pass(user, room.pk), name


def test_the_hot_path_says_yes_only_to_the_expected_cases():
    room = RoomFactory()
    allowed = {
        name
        for name, user in members_in_every_state(room).items()
        if policy.room_send_allowed(user, room_send_facts(user, room.pk))
    }
    assert allowed == {"member", "owner", "mute expired", "restricted, not muted"}


def test_a_room_that_does_not_exist_has_no_facts():
    assert room_send_facts(UserFactory(), 2**31 - 1) is None


def test_a_room_message_costs_two_queries_however_many_mutes_expired(
    django_assert_num_queries,
):
    room = RoomFactory()
    user = MemberFactory(room=room).user
    for ago in (10, 20, 30):
        mute(user, minutes=5, ago=ago)
    # 1 membership + room segment + my mutes (room_send_facts), 2 the INSERT (autocommit: no
    # BEGIN/COMMIT around one statement)
    with django_assert_num_queries(2):
        room_message_send(user=user, room_id=room.pk, message="hi")


def test_a_refused_sender_still_gets_the_precise_error():
    room = RoomFactory()
    muted = MemberFactory(room=room).user
    mute(muted, minutes=60)
    with pytest.raises(ServiceError) as refused:
        room_message_send(user=muted, room_id=room.pk, message="hi")
    assert refused.value.code == "muted"
    banned = MemberFactory(room=room, is_banned=True).user
    with pytest.raises(ServiceError) as refused:
        room_message_send(user=banned, room_id=room.pk, message="hi")
    assert refused.value.code == "banned"
