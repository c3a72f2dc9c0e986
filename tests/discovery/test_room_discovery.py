"""GET /api/discover/rooms/: public rooms with space, owner visible, tiers by the owner's place."""

from geo import services
from tests.factories import (
    BlockFactory,
    MemberFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
)

URL = "/api/discover/rooms/"
PARIS = (48.8566, 2.3522)


def place(user, city="Paris", neighborhood=None, at=PARIS):
    services.location_set(
        user=user, city=city, neighborhood=neighborhood, latitude=at[0], longitude=at[1]
    )
    return user


def room_ids(body, tier=None):
    tiers = [tier] if tier else ["neighborhood", "city", "nearby"]
    return sorted(room["id"] for t in tiers for room in body[t])


def test_rooms_are_grouped_by_their_owners_location(make_client, adult):
    place(adult, neighborhood="Marais")
    local = RoomFactory(owner=place(UserFactory(), neighborhood="Marais"))
    citywide = RoomFactory(owner=place(UserFactory(), neighborhood="Bastille"))
    nearby = RoomFactory(owner=place(UserFactory(), city="Vincennes"))
    RoomFactory(owner=place(UserFactory(), city="Lyon", at=(45.76, 4.83)))
    RoomFactory(owner=UserFactory())  # owner without a location

    body = make_client(adult).get(URL).json()

    assert room_ids(body, "neighborhood") == [local.pk]
    assert room_ids(body, "city") == [citywide.pk]
    assert room_ids(body, "nearby") == [nearby.pk]


def test_a_room_shows_public_fields_members_and_capacity_only(make_client, adult):
    place(adult)
    room = RoomFactory(
        owner=place(UserFactory()),
        room_name="Night owls",
        description="Late talk",
        max_participants=50,
    )
    MemberFactory(room=room)
    MemberFactory(room=room, is_banned=True)

    body = make_client(adult).get(URL).json()

    assert body["city"] == [
        {
            "id": room.pk,
            "room_name": "Night owls",
            "description": "Late talk",
            "background_color": "#1A1A1E",
            "member_count": 2,
            "capacity": 10,
        }
    ]


def test_rooms_of_another_age_segment_are_never_discovered(make_client, adult, minor):
    place(adult)
    place(minor)
    teen_room = RoomFactory(owner=place(TeenFactory()))
    adult_room = RoomFactory(owner=place(UserFactory()))

    assert room_ids(make_client(adult).get(URL).json()) == [adult_room.pk]
    assert room_ids(make_client(minor).get(URL).json()) == [teen_room.pk]


def test_a_block_either_way_with_the_owner_hides_the_room(make_client, adult):
    place(adult)
    blocked_owner_room = RoomFactory(owner=place(UserFactory()))
    blocking_owner_room = RoomFactory(owner=place(UserFactory()))
    open_room = RoomFactory(owner=place(UserFactory()))
    BlockFactory(blocker=adult, blocked=blocked_owner_room.owner)
    BlockFactory(blocker=blocking_owner_room.owner, blocked=adult)

    assert room_ids(make_client(adult).get(URL).json()) == [open_room.pk]


def test_full_private_and_banned_owner_rooms_are_left_out(make_client, adult):
    place(adult)
    full = RoomFactory(owner=place(UserFactory()), max_participants=3)
    MemberFactory.create_batch(2, room=full)
    alpha_full = RoomFactory(owner=place(UserFactory()), max_participants=50)
    MemberFactory.create_batch(9, room=alpha_full)
    almost_full = RoomFactory(owner=place(UserFactory()), max_participants=3)
    MemberFactory(room=almost_full)
    MemberFactory(room=almost_full, is_banned=True)  # banned people do not take a seat
    RoomFactory(owner=place(UserFactory()), is_public=False)
    RoomFactory(owner=place(UserFactory(is_active=False)))

    assert room_ids(make_client(adult).get(URL).json()) == [almost_full.pk]


def test_rooms_the_caller_is_in_or_banned_from_are_left_out(make_client, adult):
    place(adult)
    joined = RoomFactory(owner=place(UserFactory()))
    MemberFactory(room=joined, user=adult)
    banned_from = RoomFactory(owner=place(UserFactory()))
    MemberFactory(room=banned_from, user=adult, is_banned=True)
    RoomFactory(owner=adult)
    open_room = RoomFactory(owner=place(UserFactory()))

    assert room_ids(make_client(adult).get(URL).json()) == [open_room.pk]


def test_without_a_location_room_discovery_is_a_409(make_client, adult):
    RoomFactory(owner=place(UserFactory()))

    response = make_client(adult).get(URL)

    assert response.status_code == 409
    assert response.json()["code"] == "location_required"


def test_room_discovery_needs_login(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_room_discovery_query_count_does_not_grow_with_rooms(
    make_client, adult, django_assert_num_queries
):
    place(adult)
    client = make_client(adult)
    RoomFactory(owner=place(UserFactory()))

    # token, caller's location, rooms (owner policy, counts and tiers in one statement)
    with django_assert_num_queries(3):
        small = client.get(URL).json()
    for _ in range(12):
        room = RoomFactory(owner=place(UserFactory(), city="Vincennes"))
        MemberFactory(room=room)
    with django_assert_num_queries(3):
        large = client.get(URL).json()

    assert len(room_ids(small)) == 1 and len(room_ids(large)) == 13
    assert client.get(URL, {"limit": 5}).json()["nearby"].__len__() == 5
