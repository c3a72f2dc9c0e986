"""Finding 3: a birthday crosses the wall. The segment is a property of the moment: from the day
a member of a teen room turns 18 they are out of it (member list, inheritance, open sockets), and
``segment_sweep`` removes the rows and hands over a room whose owner turned 18."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async as db
from django.core.management import call_command
from django.utils import timezone

from rooms import services
from rooms.models import ChatRoom, ChatRoomMember, Role
from safety import policy
from tests.factories import MemberFactory, RoomFactory, TeenFactory, birth_date_for_age
from tests.messaging.live_helpers import connect, drain
from tests.rooms.conftest import rooms_url


def tomorrow_date() -> dt.date:
    """Tomorrow as of now (not as of collection: a run that crosses midnight stays right)."""
    return timezone.localdate() + dt.timedelta(days=1)


def turning_18_tomorrow(**kwargs):
    return TeenFactory(date_of_birth=birth_date_for_age(18, days_after_birthday=-1), **kwargs)


@pytest.fixture
def tomorrow(monkeypatch):
    """Move the clock to tomorrow, when ``turning_18_tomorrow`` people are adults."""
    day = tomorrow_date()
    monkeypatch.setattr(policy, "today", lambda: day)
    return day


@pytest.fixture
def teen_room(db):
    owner = TeenFactory()
    return RoomFactory(owner=owner)  # with the owner's OWNR membership


def test_the_helper_really_crosses_tomorrow():
    dob = birth_date_for_age(18, days_after_birthday=-1)
    assert policy.segment_for_birth_date(dob) == policy.TEEN
    assert policy.segment_for_birth_date(dob, on=tomorrow_date()) == policy.ADULT


@pytest.mark.django_db
def test_someone_who_turned_18_drops_out_of_the_teen_rooms_member_list(
    teen_room, make_client, tomorrow
):
    crossed = MemberFactory(room=teen_room, user=turning_18_tomorrow()).user

    rows = make_client(teen_room.owner).get(rooms_url(teen_room.pk, "members")).json()

    ids = [row["user_id"] for row in rows["results"]]
    assert crossed.pk not in ids
    assert teen_room.owner.pk in ids
    assert make_client(crossed).get(rooms_url(teen_room.pk)).status_code == 404


@pytest.mark.django_db
def test_someone_who_turned_18_cannot_inherit_the_teen_room(teen_room, tomorrow):
    crossed = MemberFactory(room=teen_room, user=turning_18_tomorrow(), role=Role.MOD).user
    teen = MemberFactory(room=teen_room, user=TeenFactory()).user

    services.room_leave(user=teen_room.owner, room_id=teen_room.pk)

    teen_room.refresh_from_db()
    assert teen_room.owner_id == teen.pk != crossed.pk


@pytest.mark.django_db
def test_a_teen_room_whose_only_other_member_turned_18_is_deleted_when_the_owner_leaves(
    teen_room, tomorrow
):
    MemberFactory(room=teen_room, user=turning_18_tomorrow())

    assert services.room_leave(user=teen_room.owner, room_id=teen_room.pk) is None
    assert not ChatRoom.objects.filter(pk=teen_room.pk).exists()


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_stops_receiving_the_teen_room_the_day_its_user_turns_18(
    monkeypatch,
):
    owner = await db(TeenFactory)()
    room = await db(RoomFactory)(owner=owner)
    crossed = await db(turning_18_tomorrow)()
    await db(MemberFactory)(room=room, user=crossed)
    ws = await connect(crossed)
    await drain(ws)

    day = tomorrow_date()
    monkeypatch.setattr(policy, "today", lambda: day)
    await db(services.room_message_send)(user=owner, room_id=room.pk, message="after midnight")

    frames = await drain(ws)
    assert not [f for f in frames if f["type"] == "room.message"]
    await ws.disconnect()


@pytest.mark.django_db
def test_the_sweep_removes_crossed_members_and_tells_the_room(
    teen_room, tomorrow, django_capture_on_commit_callbacks, monkeypatch
):
    crossed = MemberFactory(room=teen_room, user=turning_18_tomorrow()).user
    published = []
    monkeypatch.setattr(services, "publish_on_commit", lambda group, event: published.append(event))

    counts = services.rooms_segment_sweep()

    assert counts == {"handed_over": 0, "removed": 1}
    assert not ChatRoomMember.objects.filter(room=teen_room, user=crossed).exists()
    assert {"event": "left", "user_id": crossed.pk} in [
        {"event": e["event"], "user_id": e["user_id"]} for e in published
    ]
    assert services.rooms_segment_sweep() == {"handed_over": 0, "removed": 0}  # idempotent


@pytest.mark.django_db
def test_the_sweep_hands_a_teen_room_whose_owner_turned_18_to_its_senior_teen(db, monkeypatch):
    owner = turning_18_tomorrow()
    room = RoomFactory(owner=owner)
    senior = MemberFactory(room=room, user=TeenFactory()).user
    MemberFactory(room=room, user=TeenFactory())
    day = tomorrow_date()
    monkeypatch.setattr(policy, "today", lambda: day)

    call_command("segment_sweep", verbosity=0)

    room.refresh_from_db()
    assert room.owner_id == senior.pk
    assert not ChatRoomMember.objects.filter(room=room, user=owner).exists()
    assert ChatRoomMember.objects.get(room=room, user=senior).role == Role.OWNER
