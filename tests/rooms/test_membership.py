"""Membership: join, leave, members list, add, roles, kick, ban, unban, ownership handover."""

import pytest

from messaging.models import Presence
from rooms.models import ChatRoom, ChatRoomMember, Role
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
)
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db


def member_event(room_id, user_id, event, role=None):
    return {
        "type": "room.member",
        "room_id": room_id,
        "user_id": user_id,
        "event": event,
        "role": role,
    }


def is_member(room, user) -> bool:
    return ChatRoomMember.objects.filter(room=room, user=user, is_banned=False).exists()


# --- Join -----------------------------------------------------------------------------------
def test_joining_a_public_room_makes_me_a_member_and_tells_the_room_and_my_sockets(
    room, outsider, make_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(outsider).post(rooms_url(room.pk, "join"))

    assert response.status_code == 201, response.data
    assert response.data["my_role"] == "USER"
    event = member_event(room.pk, outsider.pk, "joined", "USER")
    assert published == [(f"room.{room.pk}", event), (f"user.{outsider.pk}", event)]


def test_joining_a_room_i_am_already_in_changes_nothing(room, member, make_client, published):
    response = make_client(member).post(rooms_url(room.pk, "join"))

    assert response.status_code == 200
    assert ChatRoomMember.objects.filter(room=room, user=member).count() == 1


def test_a_private_room_cannot_be_joined_and_does_not_reveal_itself(owner, outsider, make_client):
    private = RoomFactory(owner=owner, is_public=False)

    response = make_client(outsider).post(rooms_url(private.pk, "join"))

    assert response.status_code == 404
    assert not is_member(private, outsider)


def test_nobody_joins_a_room_of_the_other_segment(room, minor, make_client):
    teen_room = RoomFactory(owner=TeenFactory())

    assert make_client(minor).post(rooms_url(room.pk, "join")).status_code == 404
    assert make_client(room.owner).post(rooms_url(teen_room.pk, "join")).status_code == 404
    assert not is_member(room, minor)


def test_a_block_with_the_owner_hides_the_room_from_joins(room, owner, outsider, make_client):
    BlockFactory(blocker=owner, blocked=outsider)

    assert make_client(outsider).post(rooms_url(room.pk, "join")).status_code == 404


def test_a_restricted_person_cannot_join_a_public_room(room, outsider, make_client):
    ModerationActionFactory(target_user=outsider, action_type="restrict")

    response = make_client(outsider).post(rooms_url(room.pk, "join"))

    assert response.status_code == 403
    assert response.data["code"] == "restricted"


def test_a_banned_person_cannot_rejoin(room, outsider, make_client):
    MemberFactory(room=room, user=outsider, is_banned=True)

    response = make_client(outsider).post(rooms_url(room.pk, "join"))

    assert response.status_code == 403
    assert response.data["code"] == "banned"
    assert not is_member(room, outsider)


# --- Leave and ownership handover -----------------------------------------------------------
def test_leaving_removes_me_and_tells_the_room(
    room, member, make_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(member).post(rooms_url(room.pk, "leave"))

    assert response.status_code == 200
    assert not is_member(room, member)
    assert published == [(f"room.{room.pk}", member_event(room.pk, member.pk, "left"))]


def test_leaving_a_room_i_am_not_in_is_a_403(room, outsider, make_client):
    response = make_client(outsider).post(rooms_url(room.pk, "leave"))

    assert response.status_code == 403
    assert response.data["code"] == "not_member"


def test_a_banned_person_cannot_erase_the_ban_by_leaving(room, outsider, make_client):
    MemberFactory(room=room, user=outsider, is_banned=True)

    response = make_client(outsider).post(rooms_url(room.pk, "leave"))

    assert response.status_code == 403
    assert ChatRoomMember.objects.get(room=room, user=outsider).is_banned


def test_an_owner_leaving_hands_the_room_to_the_longest_standing_moderator(
    room, owner, member, make_client, published, django_capture_on_commit_callbacks
):
    senior_mod = MemberFactory(room=room, role=Role.MOD).user
    MemberFactory(room=room, role=Role.MOD)

    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(owner).post(rooms_url(room.pk, "leave"))

    assert response.status_code == 200
    assert response.data["owner_id"] == senior_mod.pk
    room.refresh_from_db()
    assert room.owner_id == senior_mod.pk
    assert ChatRoomMember.objects.get(room=room, user=senior_mod).role == Role.OWNER
    assert published == [
        (f"room.{room.pk}", member_event(room.pk, owner.pk, "left")),
        (f"room.{room.pk}", member_event(room.pk, senior_mod.pk, "role", "OWNR")),
    ]


def test_without_moderators_the_longest_standing_member_gets_the_room(room, owner, member):
    MemberFactory(room=room)  # joined later than member
    MemberFactory(room=room, user=UserFactory(), is_banned=True)
    from tests.conftest import api_client_for

    api_client_for(owner).post(rooms_url(room.pk, "leave"))

    room.refresh_from_db()
    assert room.owner_id == member.pk


def test_an_owner_leaving_an_empty_room_deletes_it(room, owner, make_client):
    MemberFactory(room=room, is_banned=True)  # banned people never inherit

    response = make_client(owner).post(rooms_url(room.pk, "leave"))

    assert response.status_code == 200
    assert response.data["room_deleted"] is True
    assert not ChatRoom.objects.filter(pk=room.pk).exists()


# --- Members list ---------------------------------------------------------------------------
def test_members_are_listed_with_role_join_time_and_visible_presence(
    room, owner, member, make_client
):
    Presence.objects.create(user=owner, status="online", activity="chatting", room=room)

    response = make_client(member).get(rooms_url(room.pk, "members"))

    assert response.status_code == 200
    rows = response.data["results"]
    assert [(row["user_id"], row["role"]) for row in rows] == [
        (owner.pk, "OWNR"),
        (member.pk, "USER"),
    ]
    assert rows[0]["display_name"] == "Olive Owner"
    assert rows[0]["joined_at"]
    assert rows[0]["presence"]["status"] == "online"
    assert rows[0]["presence"]["room_id"] == room.pk


def test_members_blocked_either_way_with_me_are_left_out(room, owner, member, make_client):
    blocked, blocker = MemberFactory(room=room).user, MemberFactory(room=room).user
    BlockFactory(blocker=member, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=member)

    rows = make_client(member).get(rooms_url(room.pk, "members")).data["results"]

    assert {row["user_id"] for row in rows} == {owner.pk, member.pk}


def test_banned_people_are_listed_for_staff_only(room, owner, member, make_client):
    banned = MemberFactory(room=room, is_banned=True).user

    by_owner = make_client(owner).get(rooms_url(room.pk, "members")).data["results"]
    by_member = make_client(member).get(rooms_url(room.pk, "members")).data["results"]

    assert banned.pk in {row["user_id"] for row in by_owner if row["is_banned"]}
    assert banned.pk not in {row["user_id"] for row in by_member}


def test_only_members_may_list_members(room, outsider, owner, make_client):
    private = RoomFactory(owner=owner, is_public=False)

    assert make_client(outsider).get(rooms_url(room.pk, "members")).status_code == 403
    assert make_client(outsider).get(rooms_url(private.pk, "members")).status_code == 404


def test_the_members_list_takes_a_constant_number_of_queries(
    room, owner, make_client, django_assert_num_queries
):
    client = make_client(owner)
    for _ in range(2):
        Presence.objects.create(user=MemberFactory(room=room).user, status="online")
    # 1 token, 2 room + owner, 3 my membership, 4 count, 5 page with profiles,
    # 6-7 presence (users with presence rows, my rooms)
    with django_assert_num_queries(7):
        assert len(client.get(rooms_url(room.pk, "members")).data["results"]) == 3
    for _ in range(6):
        Presence.objects.create(user=MemberFactory(room=room).user, status="online")
    with django_assert_num_queries(7):
        assert len(client.get(rooms_url(room.pk, "members")).data["results"]) == 9


# --- Add ------------------------------------------------------------------------------------
def test_owner_or_moderator_adding_someone_to_a_private_room_sends_an_invitation(
    owner, outsider, make_client, published, django_capture_on_commit_callbacks
):
    private = RoomFactory(owner=owner, is_public=False)
    mod = MemberFactory(room=private, role=Role.MOD).user

    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(mod).post(
            rooms_url(private.pk, "members"), {"user_id": outsider.pk}, format="json"
        )

    assert response.status_code == 202, response.data
    assert response.data["status"] == "invited"
    assert response.data["invite"]["room_id"] == private.pk
    assert not is_member(private, outsider)
    assert [(group, event["type"]) for group, event in published] == [
        (f"user.{outsider.pk}", "room.invite")
    ]


def test_a_plain_member_cannot_add_people(room, member, outsider, make_client):
    response = make_client(member).post(
        rooms_url(room.pk, "members"), {"user_id": outsider.pk}, format="json"
    )

    assert response.status_code == 403
    assert not is_member(room, outsider)


@pytest.mark.parametrize("who", ["teen", "blocked_by_adder", "blocks_adder", "unknown"])
def test_people_the_adder_may_not_see_cannot_be_added(room, owner, make_client, who):
    target = TeenFactory() if who == "teen" else UserFactory()
    if who == "blocked_by_adder":
        BlockFactory(blocker=owner, blocked=target)
    if who == "blocks_adder":
        BlockFactory(blocker=target, blocked=owner)
    user_id = "no-such-user" if who == "unknown" else target.pk

    response = make_client(owner).post(
        rooms_url(room.pk, "members"), {"user_id": user_id}, format="json"
    )

    assert response.status_code == 404
    assert not is_member(room, target)


def test_a_banned_person_cannot_be_added(room, owner, outsider, make_client):
    MemberFactory(room=room, user=outsider, is_banned=True)

    response = make_client(owner).post(
        rooms_url(room.pk, "members"), {"user_id": outsider.pk}, format="json"
    )

    assert response.status_code == 409
    assert response.data["code"] == "banned"


def test_adding_someone_already_in_the_room_is_a_409(room, owner, member, make_client):
    response = make_client(owner).post(
        rooms_url(room.pk, "members"), {"user_id": member.pk}, format="json"
    )

    assert response.status_code == 409
    assert response.data["code"] == "already_member"


# --- Roles ----------------------------------------------------------------------------------
def test_the_owner_makes_a_member_moderator_and_back(
    room, owner, member, make_client, published, django_capture_on_commit_callbacks
):
    client = make_client(owner)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = client.patch(rooms_url(room.pk, "members", member.pk), {"role": "MOD"})
    demoted = client.patch(rooms_url(room.pk, "members", member.pk), {"role": "USER"})

    assert (promoted.status_code, promoted.data["role"]) == (200, "MOD")
    assert (demoted.status_code, demoted.data["role"]) == (200, "USER")
    assert published == [(f"room.{room.pk}", member_event(room.pk, member.pk, "role", "MOD"))]


@pytest.mark.parametrize("body", [{"role": "AGENT"}, {"role": "OWNR"}, {"role": "KING"}, {}])
def test_roles_other_than_mod_and_user_are_refused(room, owner, member, make_client, body):
    response = make_client(owner).patch(
        rooms_url(room.pk, "members", member.pk), body, format="json"
    )

    assert response.status_code == 400
    assert ChatRoomMember.objects.get(room=room, user=member).role == Role.USER


def test_unknown_fields_in_a_role_change_are_refused(room, owner, member, make_client):
    response = make_client(owner).patch(
        rooms_url(room.pk, "members", member.pk),
        {"role": "MOD", "is_banned": False},
        format="json",
    )

    assert response.status_code == 400
    assert "is_banned" in response.data


def test_only_the_owner_changes_roles(room, member, make_client):
    mod = MemberFactory(room=room, role=Role.MOD).user

    response = make_client(mod).patch(
        rooms_url(room.pk, "members", member.pk), {"role": "MOD"}, format="json"
    )

    assert response.status_code == 403
    assert response.data["code"] == "not_room_owner"


def test_the_owner_cannot_demote_themself(room, owner, make_client):
    response = make_client(owner).patch(
        rooms_url(room.pk, "members", owner.pk), {"role": "USER"}, format="json"
    )

    assert response.status_code == 403
    assert ChatRoomMember.objects.get(room=room, user=owner).role == Role.OWNER


# --- Kick, ban, unban -----------------------------------------------------------------------
def test_a_moderator_kicks_a_member_who_may_then_rejoin(
    room, member, make_client, published, django_capture_on_commit_callbacks
):
    mod = MemberFactory(room=room, role=Role.MOD).user

    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(mod).post(rooms_url(room.pk, "members", member.pk, "kick"))

    assert response.status_code == 200
    assert not is_member(room, member)
    assert published.events("room.member") == [
        (f"room.{room.pk}", member_event(room.pk, member.pk, "kicked"))
    ]
    # The person also hears it as a logged moderation action (docs/moderation.md).
    assert [group for group, _ in published.events("notice")] == [f"user.{member.pk}"]
    assert make_client(member).post(rooms_url(room.pk, "join")).status_code == 201


@pytest.mark.parametrize("action", ["kick", "ban"])
def test_a_moderator_cannot_touch_the_owner_or_another_moderator(room, owner, make_client, action):
    mod, other_mod = (MemberFactory(room=room, role=Role.MOD).user for _ in range(2))
    client = make_client(mod)

    assert client.post(rooms_url(room.pk, "members", owner.pk, action)).status_code == 403
    assert client.post(rooms_url(room.pk, "members", other_mod.pk, action)).status_code == 403
    assert is_member(room, owner) and is_member(room, other_mod)


@pytest.mark.parametrize("action", ["kick", "ban"])
def test_nobody_can_kick_or_ban_themself(room, owner, make_client, action):
    mod = MemberFactory(room=room, role=Role.MOD).user

    for person in (owner, mod):
        response = make_client(person).post(rooms_url(room.pk, "members", person.pk, action))
        assert response.status_code == 403
        assert is_member(room, person)


def test_the_owner_may_kick_a_moderator(room, owner, make_client):
    mod = MemberFactory(room=room, role=Role.MOD).user

    assert make_client(owner).post(rooms_url(room.pk, "members", mod.pk, "kick")).status_code == 200
    assert not is_member(room, mod)


def test_a_plain_member_cannot_kick(room, owner, member, make_client):
    other = MemberFactory(room=room).user

    response = make_client(member).post(rooms_url(room.pk, "members", other.pk, "kick"))

    assert response.status_code == 403
    assert is_member(room, other)


def test_kicking_someone_who_is_not_in_the_room_is_a_404(room, owner, outsider, make_client):
    response = make_client(owner).post(rooms_url(room.pk, "members", outsider.pk, "kick"))

    assert response.status_code == 404


def test_a_ban_keeps_the_row_and_shuts_the_person_out_everywhere(
    room, owner, member, make_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(owner).post(rooms_url(room.pk, "members", member.pk, "ban"))

    assert response.status_code == 200
    row = ChatRoomMember.objects.get(room=room, user=member)
    assert row.is_banned
    assert published.events("room.member") == [
        (f"room.{room.pk}", member_event(room.pk, member.pk, "banned"))
    ]
    # The person also hears it as a logged moderation action (docs/moderation.md).
    assert [group for group, _ in published.events("notice")] == [f"user.{member.pk}"]
    client = make_client(member)
    for method, url in [
        ("post", rooms_url(room.pk, "join")),
        ("get", rooms_url(room.pk, "messages")),
        ("post", rooms_url(room.pk, "messages")),
        ("get", rooms_url(room.pk, "members")),
        ("post", rooms_url(room.pk, "read")),
        ("get", rooms_url(room.pk)),
    ]:
        body = (
            {"message": "hi"} if (method, url) == ("post", rooms_url(room.pk, "messages")) else None
        )
        refused = getattr(client, method)(url, body)
        assert (url, refused.status_code, refused.data["code"]) == (url, 403, "banned")
    assert room.pk not in [r["id"] for r in client.get(rooms_url()).data["results"]]


def test_banning_a_moderator_takes_away_the_role(room, owner, make_client):
    mod = MemberFactory(room=room, role=Role.MOD).user

    make_client(owner).post(rooms_url(room.pk, "members", mod.pk, "ban"))

    row = ChatRoomMember.objects.get(room=room, user=mod)
    assert (row.is_banned, row.role) == (True, Role.USER)


def test_someone_outside_the_room_can_be_banned_before_they_join(
    room, owner, outsider, make_client
):
    response = make_client(owner).post(rooms_url(room.pk, "members", outsider.pk, "ban"))

    assert response.status_code == 200
    assert make_client(outsider).post(rooms_url(room.pk, "join")).status_code == 403


def test_unbanning_lets_the_person_join_again(room, owner, member, make_client):
    client = make_client(owner)
    client.post(rooms_url(room.pk, "members", member.pk, "ban"))

    response = client.post(rooms_url(room.pk, "members", member.pk, "unban"))

    assert response.status_code == 200
    assert not ChatRoomMember.objects.filter(room=room, user=member).exists()
    assert make_client(member).post(rooms_url(room.pk, "join")).status_code == 201


def test_unbanning_someone_who_is_not_banned_is_a_404(room, owner, member, make_client):
    response = make_client(owner).post(rooms_url(room.pk, "members", member.pk, "unban"))

    assert response.status_code == 404
    assert is_member(room, member)
