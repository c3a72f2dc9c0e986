"""The message hot path decides on facts read by ONE hand-written query; the ORM reads the same
facts the slow, obvious way. Over generated situations (hypothesis: membership, room ban, room
visibility, the owner's segment and state, blocks either way, mutes in force / expired / until
lifted, restrictions, a deactivated sender or recipient, conversations) both loaders return
EQUAL facts, so ``policy.decide_room_send`` / ``decide_dm_send`` give the same answer whichever
filled them. A named table pins the answer of each case, and sending costs two queries."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import PrivateMessage
from messaging.selectors import dm_send_facts, dm_send_facts_from_orm
from messaging.services import dm_send
from rooms.models import ChatRoomMessage
from rooms.selectors import room_send_facts, room_send_facts_from_orm
from rooms.services import room_message_send
from safety import policy
from safety.models import Appeal, AppealStatus
from tests.conftest import api_client_for
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
)
from wya.errors import Forbidden, ServiceError

pytestmark = pytest.mark.django_db

# (minutes, minutes ago, appeal status): in force for an hour, expired, until lifted; then the
# same actions appealed (issue 20): a lifted appeal ends the action, a pending or upheld one not.
ACTIONS = {
    "active": (60, 0, None),
    "expired": (5, 10, None),
    "until lifted": (None, 0, None),
    "active, lifted on appeal": (60, 0, AppealStatus.LIFTED),
    "until lifted, lifted on appeal": (None, 0, AppealStatus.LIFTED),
    "active, appeal pending": (60, 0, AppealStatus.PENDING),
    "until lifted, appeal upheld": (None, 0, AppealStatus.UPHELD),
}


def act(user, action_type: str, state: str) -> None:
    minutes, ago, appeal = ACTIONS[state]
    action = ModerationActionFactory(
        target_user=user,
        action_type=action_type,
        duration_minutes=minutes,
        created_at=timezone.now() - dt.timedelta(minutes=ago),
    )
    if appeal is not None:
        Appeal.objects.create(action=action, appellant=user, text="please", status=appeal)


def restrain(user, mutes, restrictions) -> None:
    for state in mutes:
        act(user, "mute", state)
    for state in restrictions:
        act(user, "restrict", state)


action_states = st.lists(st.sampled_from(sorted(ACTIONS)), max_size=3)
blocks = st.sampled_from(["none", "i blocked", "they blocked"])


def block(me, other, kind: str) -> None:
    if kind == "i blocked":
        BlockFactory(blocker=me, blocked=other)
    elif kind == "they blocked":
        BlockFactory(blocker=other, blocked=me)


room_situations = st.fixed_dictionaries(
    {
        "row": st.sampled_from(["none", "member", "banned"]),
        "public": st.booleans(),
        "teen_owner": st.booleans(),
        "owner_active": st.booleans(),
        "block": blocks,
        "mutes": action_states,
        "restrictions": action_states,
        "sender_active": st.booleans(),
        "room_exists": st.booleans(),
    }
)


def build_room_situation(case) -> tuple:
    sender = UserFactory(is_active=case["sender_active"])
    owner = (TeenFactory if case["teen_owner"] else UserFactory)(is_active=case["owner_active"])
    room = RoomFactory(owner=owner, is_public=case["public"])
    if case["row"] != "none":
        MemberFactory(room=room, user=sender, is_banned=case["row"] == "banned")
    block(sender, owner, case["block"])
    restrain(sender, case["mutes"], case["restrictions"])
    return sender, (room.pk if case["room_exists"] else 2**31 - 1)


@given(case=room_situations)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_both_room_loaders_return_equal_facts(case):
    with transaction.atomic():
        sender, room_id = build_room_situation(case)
        fast = room_send_facts(sender, room_id)
        assert fast == room_send_facts_from_orm(sender, room_id)
        transaction.set_rollback(True)


dm_situations = st.fixed_dictionaries(
    {
        "teen_recipient": st.booleans(),
        "recipient_active": st.booleans(),
        "block": blocks,
        "they_wrote": st.booleans(),
        "i_wrote": st.booleans(),
        "mutes": action_states,
        "restrictions": action_states,
        "sender_active": st.booleans(),
        "recipient": st.sampled_from(["someone", "myself", "nobody", "not an id"]),
    }
)


def build_dm_situation(case) -> tuple:
    sender = UserFactory(is_active=case["sender_active"])
    recipient = (TeenFactory if case["teen_recipient"] else UserFactory)(
        is_active=case["recipient_active"]
    )
    block(sender, recipient, case["block"])
    if case["they_wrote"]:
        PrivateMessage.objects.create(sender=recipient, recipient=sender, message="hi")
    if case["i_wrote"]:
        PrivateMessage.objects.create(sender=sender, recipient=recipient, message="hi")
    restrain(sender, case["mutes"], case["restrictions"])
    recipient_id = {
        "someone": recipient.pk,
        "myself": sender.pk,
        "nobody": "no-such-user",
        "not an id": "a\x00b",
    }[case["recipient"]]
    return sender, recipient_id


@given(case=dm_situations)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_both_dm_loaders_return_equal_facts(case):
    with transaction.atomic():
        sender, recipient_id = build_dm_situation(case)
        assert dm_send_facts(sender, recipient_id) == dm_send_facts_from_orm(sender, recipient_id)
        transaction.set_rollback(True)


ROOM_CASES = {
    # name: (situation overrides, expected code ("" = allowed))
    "member": ({"row": "member"}, ""),
    "banned": ({"row": "banned"}, "banned"),
    "outsider of a public room": ({}, "not_member"),
    "outsider of a private room": ({"public": False}, "not_found"),
    "outsider of a public room whose owner blocked them": ({"block": "they blocked"}, "not_found"),
    "member who blocked the owner": ({"row": "member", "block": "i blocked"}, ""),
    "member muted for an hour": ({"row": "member", "mutes": ["active"]}, "muted"),
    "member whose mute expired": ({"row": "member", "mutes": ["expired"]}, ""),
    "member muted until lifted": ({"row": "member", "mutes": ["until lifted"]}, "muted"),
    "member whose mute was lifted on appeal": (
        {"row": "member", "mutes": ["until lifted, lifted on appeal"]},
        "",
    ),
    "member whose appeal is pending": (
        {"row": "member", "mutes": ["active, appeal pending"]},
        "muted",
    ),
    "member whose appeal was upheld": (
        {"row": "member", "mutes": ["until lifted, appeal upheld"]},
        "muted",
    ),
    "member with expired and active mutes": (
        {"row": "member", "mutes": ["expired", "active"]},
        "muted",
    ),
    "restricted member": ({"row": "member", "restrictions": ["until lifted"]}, ""),
    "adult row in a teen room": ({"row": "member", "teen_owner": True}, "not_found"),
    "no such room": ({"row": "member", "room_exists": False}, "not_found"),
    "deactivated member": ({"row": "member", "sender_active": False}, "forbidden"),
}

ROOM_DEFAULTS = {
    "row": "none",
    "public": True,
    "teen_owner": False,
    "owner_active": True,
    "block": "none",
    "mutes": [],
    "restrictions": [],
    "sender_active": True,
    "room_exists": True,
}


@pytest.mark.parametrize("name", sorted(ROOM_CASES))
def test_the_room_send_decision_gives_the_precise_answer(name):
    overrides, expected = ROOM_CASES[name]
    sender, room_id = build_room_situation({**ROOM_DEFAULTS, **overrides})
    decision = policy.decide_room_send(sender, room_send_facts(sender, room_id))
    assert decision.code == expected


DM_CASES = {
    "adults": ({}, ""),
    "adult to teen": ({"teen_recipient": True}, "not_found"),
    "I blocked them": ({"block": "i blocked"}, "not_found"),
    "they blocked me": ({"block": "they blocked"}, "not_found"),
    "banned recipient": ({"recipient_active": False}, "not_found"),
    "muted": ({"mutes": ["active"]}, "muted"),
    "mute expired": ({"mutes": ["expired"]}, ""),
    "restricted, new conversation": ({"restrictions": ["active"]}, "restricted"),
    "restricted, answering": ({"restrictions": ["active"], "they_wrote": True}, ""),
    "restricted, wrote first only": ({"restrictions": ["active"], "i_wrote": True}, "restricted"),
    "restriction expired": ({"restrictions": ["expired"]}, ""),
    "restriction lifted on appeal": ({"restrictions": ["active, lifted on appeal"]}, ""),
    "mute lifted on appeal": ({"mutes": ["until lifted, lifted on appeal"]}, ""),
    "myself": ({"recipient": "myself"}, "invalid"),
    "nobody": ({"recipient": "nobody"}, "not_found"),
    "not an id": ({"recipient": "not an id"}, "not_found"),
}

DM_DEFAULTS = {
    "teen_recipient": False,
    "recipient_active": True,
    "block": "none",
    "they_wrote": False,
    "i_wrote": False,
    "mutes": [],
    "restrictions": [],
    "sender_active": True,
    "recipient": "someone",
}


@pytest.mark.parametrize("name", sorted(DM_CASES))
def test_the_dm_send_decision_gives_the_precise_answer(name):
    overrides, expected = DM_CASES[name]
    sender, recipient_id = build_dm_situation({**DM_DEFAULTS, **overrides})
    decision = policy.decide_dm_send(sender, dm_send_facts(sender, recipient_id))
    assert decision.code == expected


def test_a_room_message_costs_two_queries_however_many_actions_expired(
    django_assert_num_queries,
):
    room = RoomFactory()
    user = MemberFactory(room=room).user
    restrain(user, ["expired", "expired", "expired"], ["active"])
    # 1 the facts (room_send_facts), 2 the INSERT (autocommit: no BEGIN/COMMIT around it)
    with django_assert_num_queries(2):
        room_message_send(user=user, room_id=room.pk, message="hi")


def test_an_answer_costs_two_queries(django_assert_num_queries):
    sender, recipient = UserFactory(), UserFactory()
    PrivateMessage.objects.create(sender=recipient, recipient=sender, message="hello")
    restrain(sender, ["expired"], ["expired"])
    # 1 the facts (dm_send_facts), 2 the INSERT
    with django_assert_num_queries(2):
        dm_send(sender=sender, recipient_id=recipient.pk, message="hi")


def test_a_first_message_to_someone_costs_one_more_query_for_the_first_contact_hints(
    django_assert_num_queries,
):
    sender, recipient = UserFactory(), UserFactory()
    # 1 the facts, 2 the INSERT, 3 the recipient's first-contact facts (their frame's prompt
    # and blur: docs/moderation.md "First contact"), read only while they never wrote back
    with django_assert_num_queries(3):
        dm_send(sender=sender, recipient_id=recipient.pk, message="hi")


def test_a_refused_send_costs_one_query(django_assert_num_queries):
    """The refusal is decided on the same facts: no second round of checks."""
    room = RoomFactory()
    user = MemberFactory(room=room).user
    restrain(user, ["active"], [])
    with django_assert_num_queries(1), pytest.raises(Forbidden):
        room_message_send(user=user, room_id=room.pk, message="hi")


def test_a_room_message_over_rest_costs_its_auth_the_facts_and_the_insert(
    django_assert_num_queries,
):
    room = RoomFactory()
    user = MemberFactory(room=room).user
    client = api_client_for(user)
    # 1 the token and its user, 2 the facts, 3 the INSERT
    with django_assert_num_queries(3):
        response = client.post(f"/api/rooms/{room.pk}/messages/", {"message": "hi"}, format="json")
    assert response.status_code == 201


def test_an_answer_over_rest_costs_its_auth_the_facts_and_the_insert(
    django_assert_num_queries,
):
    sender, recipient = UserFactory(), UserFactory()
    PrivateMessage.objects.create(sender=recipient, recipient=sender, message="hello")
    client = api_client_for(sender)
    with django_assert_num_queries(3):
        response = client.post(
            f"/api/dms/{recipient.pk}/messages/", {"message": "hi"}, format="json"
        )
    assert response.status_code == 201


def test_a_sender_deactivated_since_their_socket_opened_cannot_send_with_the_stale_user():
    """The socket holds the user object it authenticated; the facts read the account's state
    now. (The old yes-only fast path trusted the stale object and saved the message.)"""
    room = RoomFactory()
    stale = MemberFactory(room=room).user
    recipient = UserFactory()
    type(stale).objects.filter(pk=stale.pk).update(is_active=False)
    with pytest.raises(Forbidden):
        room_message_send(user=stale, room_id=room.pk, message="still here?")
    with pytest.raises(ServiceError):
        dm_send(sender=stale, recipient_id=recipient.pk, message="still here?")
    assert not ChatRoomMessage.objects.filter(user=stale).exists()
    assert not PrivateMessage.objects.filter(sender=stale).exists()
