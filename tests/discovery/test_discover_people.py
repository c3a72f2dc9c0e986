"""GET /api/discover/people/: tiers, policy (segment, block, restriction, ban), shape, queries."""

from geo import privacy, services
from geo.selectors import order_key
from tests.factories import BlockFactory, ModerationActionFactory, TeenFactory, UserFactory

URL = "/api/discover/people/"
# Paris: a cell and its east neighbour; far away is Lyon.
HERE = (48.8566, 2.3522)


def east_of(point, cells: int):
    cell = privacy.cell_of(*point)
    return (point[0], float(cell.lon_center) + cells * cell.lon_step)


def place(user, city="Paris", neighborhood=None, at=HERE):
    services.location_set(
        user=user, city=city, neighborhood=neighborhood, latitude=at[0], longitude=at[1]
    )
    return user


def ids(body, tier):
    return [person["id"] for person in body[tier]]


def test_people_land_in_exactly_one_tier_the_finest_that_matches(make_client, adult):
    place(adult, neighborhood="Marais")
    neighbour = place(UserFactory(), neighborhood="marais")
    same_city = place(UserFactory(), neighborhood="Belleville", at=(48.87, 2.38))
    city_no_neighbourhood = place(UserFactory(), at=(45.76, 4.83))  # Paris by name, far by cell
    next_town = place(UserFactory(), city="Montreuil", at=east_of(HERE, 1))
    next_town_same_cell = place(UserFactory(), city="Vincennes", at=HERE)
    far_town = place(UserFactory(), city="Lyon", at=east_of(HERE, 3))
    UserFactory()  # no location at all

    body = make_client(adult).get(URL).json()

    assert ids(body, "neighborhood") == [neighbour.pk]
    assert sorted(ids(body, "city")) == sorted([same_city.pk, city_no_neighbourhood.pk])
    assert sorted(ids(body, "nearby")) == sorted([next_town.pk, next_town_same_cell.pk])
    everyone = ids(body, "neighborhood") + ids(body, "city") + ids(body, "nearby")
    assert far_town.pk not in everyone and adult.pk not in everyone
    assert len(everyone) == len(set(everyone))


def test_cells_across_the_antimeridian_are_neighbours(make_client, adult):
    place(adult, city="Taveuni", at=(-16.8, 179.999))
    other_side = place(UserFactory(), city="Apia", at=(-16.8, -179.999))

    body = make_client(adult).get(URL).json()

    assert ids(body, "nearby") == [other_side.pk]


def test_only_public_profile_fields_are_shown_no_distances_coordinates_or_hashes(
    make_client, adult
):
    place(adult, neighborhood="Marais")
    other = place(UserFactory(profile__location="Le Marais, Paris"), neighborhood="Marais")

    body = make_client(adult).get(URL).json()

    assert set(body) == {"neighborhood", "city", "nearby"}
    assert body["neighborhood"] == [
        {
            "id": other.pk,
            "display_name": other.profile.display_name,
            "avatar_url": None,
            "theme_color": "#7A5AF8",
            "location": "Le Marais, Paris",
        }
    ]
    text = str(body)
    assert other.geo_location.city_hash not in text
    assert str(other.geo_location.latitude) not in text


def test_teens_and_adults_never_see_each_other(make_client, adult, minor, other_minor):
    for person in (adult, minor, other_minor):
        place(person, neighborhood="Marais")
    grown_up_neighbour = place(UserFactory(), neighborhood="Marais")

    adult_sees = make_client(adult).get(URL).json()
    teen_sees = make_client(minor).get(URL).json()

    assert ids(adult_sees, "neighborhood") == [grown_up_neighbour.pk]
    assert ids(teen_sees, "neighborhood") == [other_minor.pk]


def test_a_block_hides_both_people_from_each_other(make_client, adult, other_adult):
    place(adult)
    place(other_adult)
    assert ids(make_client(adult).get(URL).json(), "city") == [other_adult.pk]

    BlockFactory(blocker=adult, blocked=other_adult)

    assert ids(make_client(adult).get(URL).json(), "city") == []
    assert ids(make_client(other_adult).get(URL).json(), "city") == []


def test_restricted_and_banned_people_are_not_discoverable(make_client, adult):
    place(adult)
    restricted = place(UserFactory())
    ModerationActionFactory(target_user=restricted, action_type="restrict", duration_minutes=60)
    place(UserFactory(is_active=False))
    visible = place(UserFactory())

    assert ids(make_client(adult).get(URL).json(), "city") == [visible.pk]


def test_without_a_location_the_caller_gets_a_409_asking_to_set_one(make_client, adult):
    place(UserFactory())

    response = make_client(adult).get(URL)

    assert response.status_code == 409
    assert response.json()["code"] == "location_required"
    assert "/api/me/location/" in response.json()["detail"]


def test_each_tier_is_capped_by_limit(make_client, adult):
    place(adult)
    for _ in range(5):
        place(UserFactory())
    client = make_client(adult)

    assert len(client.get(URL, {"limit": 2}).json()["city"]) == 2
    assert len(client.get(URL).json()["city"]) == 5
    assert client.get(URL, {"limit": 101}).status_code == 400
    assert client.get(URL, {"limit": "x"}).status_code == 400


def test_order_inside_a_tier_follows_a_keyed_shuffle_not_the_position(make_client, adult):
    place(adult, city="Here")
    people = [place(UserFactory(), city=f"Town {i}", at=east_of(HERE, i % 2)) for i in range(6)]
    client = make_client(adult)
    before = ids(client.get(URL).json(), "nearby")

    for i, person in enumerate(people):  # everyone swaps cell: nearer ones become farther
        place(person, city=f"Town {i}", at=east_of(HERE, (i + 1) % 2))
    after = ids(client.get(URL).json(), "nearby")

    assert before == after
    assert before == sorted((p.pk for p in people), key=lambda pk: order_key(adult.pk, pk))


def test_query_count_does_not_grow_with_the_number_of_candidates(
    make_client, adult, django_assert_num_queries
):
    place(adult, neighborhood="Marais")
    client = make_client(adult)
    place(UserFactory(), neighborhood="Marais")
    place(UserFactory(), city="Montreuil", at=east_of(HERE, 1))

    # token, caller's location, candidates (policy filters and tiers in one statement)
    with django_assert_num_queries(3):
        small = client.get(URL).json()
    for i in range(15):
        place(UserFactory(), neighborhood="Marais" if i % 2 else "Bastille")
        place(TeenFactory())
    with django_assert_num_queries(3):
        large = client.get(URL).json()

    assert len(small["neighborhood"]) == 1 and len(large["neighborhood"]) == 8
    assert len(large["city"]) == 8
