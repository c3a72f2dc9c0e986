"""Teens discover (and are discovered by) teens only in the neighbourhood and city tiers, never
"nearby" (which reaches across city borders by position): ``policy.discovery_tiers_for``, used by
people and room discovery, by REST and on the pages. Adults keep the three tiers."""

import pytest

from geo import privacy, services
from safety import policy
from tests.conftest import page_client_for
from tests.factories import RoomFactory, TeenFactory, UserFactory

pytestmark = pytest.mark.django_db

HERE = (48.8566, 2.3522)  # Paris


def next_cell_east():
    cell = privacy.cell_of(*HERE)
    return (HERE[0], float(cell.lon_center) + cell.lon_step)


def place(user, city="Paris", neighborhood=None, at=HERE):
    services.location_set(
        user=user, city=city, neighborhood=neighborhood, latitude=at[0], longitude=at[1]
    )
    return user


def ids(body, tier):
    return [item["id"] for item in body[tier]]


def test_the_tiers_of_a_teen_are_neighbourhood_and_city_and_an_adult_has_all_three(minor, adult):
    assert policy.discovery_tiers_for(minor) == ("neighborhood", "city")
    assert policy.discovery_tiers_for(adult) == ("neighborhood", "city", "nearby")


def test_a_teen_sees_teens_of_the_neighbourhood_and_city_but_none_nearby(make_client, minor):
    place(minor, neighborhood="Marais")
    neighbour = place(TeenFactory(), neighborhood="Marais")
    same_city = place(TeenFactory(), neighborhood="Belleville")
    next_town = place(TeenFactory(), city="Montreuil", at=next_cell_east())

    body = make_client(minor).get("/api/discover/people/").json()

    assert ids(body, "neighborhood") == [neighbour.pk]
    assert ids(body, "city") == [same_city.pk]
    assert body["nearby"] == []  # the shape is kept: the tier is there, and empty
    assert next_town.pk not in ids(body, "neighborhood") + ids(body, "city")


def test_a_teen_is_not_found_nearby_by_a_teen_of_the_next_town(make_client, minor):
    place(minor)
    other = place(TeenFactory(), city="Montreuil", at=next_cell_east())

    body = make_client(other).get("/api/discover/people/").json()

    assert all(minor.pk not in ids(body, tier) for tier in body)


def test_a_teen_does_not_discover_a_nearby_teen_room_but_does_one_in_the_city(make_client, minor):
    place(minor)
    city_room = RoomFactory(owner=place(TeenFactory()))
    nearby_room = RoomFactory(owner=place(TeenFactory(), city="Montreuil", at=next_cell_east()))

    body = make_client(minor).get("/api/discover/rooms/").json()

    assert ids(body, "city") == [city_room.pk]
    assert body["nearby"] == []
    assert nearby_room.pk not in ids(body, "neighborhood") + ids(body, "city")


def test_an_adult_still_discovers_adults_and_their_rooms_nearby(make_client, adult):
    place(adult)
    next_town = place(UserFactory(), city="Montreuil", at=next_cell_east())
    room = RoomFactory(owner=next_town)

    client = make_client(adult)

    assert ids(client.get("/api/discover/people/").json(), "nearby") == [next_town.pk]
    assert ids(client.get("/api/discover/rooms/").json(), "nearby") == [room.pk]


def test_the_discover_page_of_a_teen_has_no_nearby_tier(minor):
    place(minor)
    same_city = place(TeenFactory(profile__display_name="Cleo City"))
    place(TeenFactory(profile__display_name="Nina Nearby"), city="Montreuil", at=next_cell_east())

    html = page_client_for(minor).get("/discover/").content.decode()

    assert 'id="tier-city"' in html and 'id="tier-nearby"' not in html
    assert "Cleo City" in html and same_city.pk in html
    assert "Nina Nearby" not in html


def test_the_home_page_of_a_teen_has_no_nearby_tier_and_an_adults_has(minor, adult):
    place(minor)
    place(adult)

    teen_html = page_client_for(minor).get("/").content.decode()
    adult_html = page_client_for(adult).get("/").content.decode()

    assert 'id="tier-city"' in teen_html and 'id="tier-nearby"' not in teen_html
    assert 'id="tier-nearby"' in adult_html
