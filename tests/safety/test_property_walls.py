"""Property test (hypothesis): over random populations (ages, cities, blocks, rooms, joins), no
path ever connects a teen and an adult, or two people who blocked each other: discovery of
people and rooms, profiles, rooms, room members and history, DMs, presence, typing and the
socket's delivery filter (``policy.can_see`` and ``policy.blocked_user_ids``)."""

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import selectors as account_selectors
from discovery.selectors import discover_people, discover_rooms
from geo import services as geo_services
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services
from messaging.models import Presence
from rooms import selectors as room_selectors
from rooms import services as room_services
from rooms.models import ChatRoomMessage
from safety import policy
from safety.models import Block
from tests.factories import TeenFactory, UserFactory
from wya.errors import ServiceError

CITIES = ["Lyon", "Lille"]

people = st.lists(
    st.tuples(st.sampled_from(["teen", "adult"]), st.sampled_from(CITIES), st.booleans()),
    min_size=2,
    max_size=5,
)


@st.composite
def populations(draw):
    persons = draw(people)
    pairs = list(itertools.combinations(range(len(persons)), 2))
    blocks = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3)) if pairs else []
    joins = draw(
        st.lists(
            st.tuples(st.integers(0, len(persons) - 1), st.integers(0, len(persons) - 1)),
            max_size=8,
        )
    )
    return persons, blocks, joins


def build(persons, blocks, joins):
    users = []
    for segment, city, owns_room in persons:
        user = (TeenFactory if segment == "teen" else UserFactory)()
        geo_services.location_set(user=user, city=city)
        Presence.objects.create(user=user, status="online")
        user.room = (
            room_services.room_create(user=user, room_name=f"{city} corner") if owns_room else None
        )
        users.append(user)
    for a, b in blocks:
        Block.objects.create(blocker=users[a], blocked=users[b])
    for joiner, owner in joins:  # every join and invitation goes through the services' rules
        room = users[owner].room
        if room is None or joiner == owner:
            continue
        for attempt in (
            lambda: room_services.room_join(user=users[joiner], room_id=room.pk),
            lambda: (
                room_services.room_invite_create(
                    actor=users[owner], room_id=room.pk, user_id=users[joiner].pk
                )
                and room_services.room_join(user=users[joiner], room_id=room.pk)
            ),
        ):
            try:
                attempt()
                break
            except ServiceError:
                continue
    for user in users:  # everyone says something in every room they are in
        for room_id in room_selectors.room_ids_for_user(user):
            room_services.room_message_send(user=user, room_id=room_id, message="hi")
    return users


def walled(a, b) -> bool:
    return policy.age_segment(a) != policy.age_segment(b) or policy.blocked_either_way(a, b)


def assert_no_path(viewer, other):
    assert not policy.can_see(viewer, other)
    assert other.pk in policy.blocked_user_ids(viewer) or not policy.same_segment(viewer, other)
    with pytest.raises(ServiceError):
        account_selectors.user_public_get(viewer=viewer, user_id=other.pk)
    people_found = [p["id"] for tier in discover_people(viewer).values() for p in tier]
    assert other.pk not in people_found
    rooms_found = [r["id"] for tier in discover_rooms(viewer).values() for r in tier]
    if other.room is not None:
        assert other.room.pk not in rooms_found
    assert other.pk not in messaging_selectors.presence_visible_to(viewer, [other.pk])
    with pytest.raises(ServiceError):
        messaging_services.dm_send(sender=viewer, recipient_id=other.pk, message="hello")
    with pytest.raises(ServiceError):
        messaging_selectors.dm_partner_for(viewer, other.pk)
    for room_id in room_selectors.room_ids_for_user(viewer):
        access = room_selectors.room_access(viewer, room_id)
        members = {m.user_id for m in room_selectors.room_members(viewer, access)}
        assert other.pk not in members
        authors = {m.user_id for m in room_selectors.room_history(viewer, room_id, limit=100).items}
        assert other.pk not in authors
        if not policy.same_segment(viewer, other):
            assert room_id not in room_selectors.room_ids_for_user(other)


@pytest.mark.django_db
@given(population=populations())
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_path_connects_a_teen_and_an_adult_or_two_people_who_blocked_each_other(population):
    with transaction.atomic():
        users = build(*population)
        for viewer, other in itertools.permutations(users, 2):
            if walled(viewer, other):
                assert_no_path(viewer, other)
            else:
                assert policy.can_see(viewer, other)
        assert ChatRoomMessage.objects.exists() or not any(u.room for u in users)
        transaction.set_rollback(True)
