"""Discovery at scale: tiers are ranked and cut in SQL from a bounded pre-sample, and the answer
is the same as ranking every candidate — also when the policy drops the whole sample."""

import pytest

from accounts.models import User
from geo import selectors as geo
from geo import services
from geo.selectors import order_key
from rooms.models import ChatRoom
from tests.factories import RoomFactory, UserFactory, birth_date_for_age

PEOPLE = "/api/discover/people/"
ROOMS = "/api/discover/rooms/"
PARIS = (48.8566, 2.3522)


def place(user, city="Paris"):
    services.location_set(user=user, city=city, latitude=PARIS[0], longitude=PARIS[1])
    return user


def city_ids(body) -> list:
    return [item["id"] for item in body["city"]]


@pytest.fixture
def tiny_sample(monkeypatch):
    """A pre-sample of one candidate per unit of ``limit``: small worlds exercise it."""
    monkeypatch.setattr(geo, "SAMPLE_FACTOR", 1)


def test_a_sample_smaller_than_the_tier_gives_the_first_people_of_the_whole_tier(
    make_client, adult, tiny_sample
):
    place(adult)
    people = [place(UserFactory()) for _ in range(7)]

    body = make_client(adult).get(PEOPLE, {"limit": 3}).json()

    everyone = sorted((p.pk for p in people), key=lambda pk: order_key(adult.pk, pk))
    assert city_ids(body) == everyone[:3]


def test_when_the_policy_drops_the_whole_sample_every_candidate_is_ranked(
    make_client, adult, tiny_sample, django_assert_num_queries
):
    place(adult)
    people = sorted(
        (place(UserFactory()) for _ in range(8)), key=lambda p: order_key(adult.pk, p.pk)
    )
    first_three = [p.pk for p in people[:3]]  # the sample of limit 2 holds only these
    User.objects.filter(pk__in=first_three).update(date_of_birth=birth_date_for_age(15))
    client = make_client(adult)

    # token, caller's location, the sampled statement (its sample is all teens: short, and the
    # tier is bigger than the sample), the same statement over every candidate
    with django_assert_num_queries(4):
        body = client.get(PEOPLE, {"limit": 2}).json()

    assert city_ids(body) == [p.pk for p in people[3:5]]


def test_a_full_sample_takes_one_statement_whatever_the_number_of_candidates(
    make_client, adult, tiny_sample, django_assert_num_queries
):
    place(adult)
    client = make_client(adult)
    for _ in range(4):
        place(UserFactory())

    # token, caller's location, candidates (pre-sample, policy, tiers, ranking and cut in one
    # statement; the tier came back full, so nothing else)
    with django_assert_num_queries(3):
        assert len(city_ids(client.get(PEOPLE, {"limit": 2}).json())) == 2
    for _ in range(20):
        place(UserFactory())
    with django_assert_num_queries(3):
        assert len(city_ids(client.get(PEOPLE, {"limit": 2}).json())) == 2


def test_rooms_dropped_by_the_policy_from_a_small_sample_do_not_hide_the_others(
    make_client, adult, tiny_sample
):
    place(adult)
    rooms = sorted(
        (RoomFactory(owner=place(UserFactory())) for _ in range(6)),
        key=lambda r: order_key(adult.pk, r.pk),
    )
    ChatRoom.objects.filter(pk__in=[r.pk for r in rooms[:2]]).update(is_public=False)

    body = make_client(adult).get(ROOMS, {"limit": 2}).json()

    assert city_ids(body) == [r.pk for r in rooms[2:4]]


def test_the_order_key_of_sql_and_of_python_agree(adult):
    place(adult)
    people = [place(UserFactory()) for _ in range(5)]

    in_sql = (
        User.objects.filter(pk__in=[p.pk for p in people])
        .annotate(key=geo.order_key_expression(adult.pk, "pk"))
        .values_list("pk", "key")
    )

    assert dict(in_sql) == {p.pk: order_key(adult.pk, p.pk) for p in people}


def test_a_caller_without_coordinates_still_gets_the_city_tiers(make_client, adult):
    services.location_set(user=adult, city="Paris")
    same_city = place(UserFactory())

    body = make_client(adult).get(PEOPLE).json()

    assert city_ids(body) == [same_city.pk] and body["nearby"] == []
