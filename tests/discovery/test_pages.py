"""The /discover/ page: set and clear my approximate location through geo.services, see people
and rooms by tier (the same rules as the API), and never see raw coordinates echoed back."""

import pytest

from geo import services
from geo.models import Location
from tests.conftest import page_client_for
from tests.factories import BlockFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

RAW_LAT, RAW_LON = "48.8566123", "2.3522456"


def test_without_a_location_the_page_prompts_me_to_set_one(adult):
    response = page_client_for(adult).get("/discover/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="location-prompt"' in html
    assert 'id="location-form"' in html
    assert 'id="tier-city"' not in html


def test_setting_my_location_from_the_page_stores_hashes_and_a_snapped_cell(adult):
    client = page_client_for(adult)
    response = client.post(
        "/discover/",
        {
            "action": "set",
            "city": "Paris",
            "neighborhood": "Marais",
            "latitude": RAW_LAT,
            "longitude": RAW_LON,
        },
    )

    assert response.status_code == 302
    location = Location.objects.get(user=adult)
    assert location.neighborhood_hash is not None
    assert str(location.latitude) != RAW_LAT
    html = client.get("/discover/").content.decode()
    assert 'id="location-state"' in html
    assert RAW_LAT not in html and RAW_LON not in html
    assert str(location.latitude) not in html
    assert "Paris" not in html.split("<main")[1].split('id="location-form"')[0]


def test_a_refused_location_form_does_not_echo_the_coordinates(adult):
    response = page_client_for(adult).post(
        "/discover/",
        {"action": "set", "city": "!!!", "latitude": RAW_LAT, "longitude": RAW_LON},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert RAW_LAT not in html and RAW_LON not in html
    assert not Location.objects.filter(user=adult).exists()


def test_out_of_range_coordinates_are_refused_without_echo(adult):
    response = page_client_for(adult).post(
        "/discover/", {"action": "set", "city": "Paris", "latitude": "123.4567", "longitude": "1"}
    )
    assert response.status_code == 400
    assert "123.4567" not in response.content.decode()


def test_clearing_my_location_from_the_page_deletes_it(adult):
    services.location_set(user=adult, city="Paris")

    response = page_client_for(adult).post("/discover/", {"action": "clear"})

    assert response.status_code == 302
    assert not Location.objects.filter(user=adult).exists()


def test_people_and_rooms_of_my_city_are_shown_with_a_join_button(adult):
    services.location_set(user=adult, city="Paris")
    neighbour = UserFactory(profile__display_name="Nina Neighbour")
    services.location_set(user=neighbour, city="paris")
    room = RoomFactory(owner=neighbour, room_name="Seine talk")

    html = page_client_for(adult).get("/discover/").content.decode()

    city = html.split('id="tier-city"')[1].split('id="tier-nearby"')[0]
    assert "Nina Neighbour" in city
    assert "Seine talk" in city
    assert f"/rooms/{room.pk}/join/" in city


def test_people_i_blocked_and_the_other_segment_are_not_shown(adult, minor):
    services.location_set(user=adult, city="Paris")
    services.location_set(user=minor, city="Paris")
    blocked = UserFactory(profile__display_name="Bo Blocked")
    services.location_set(user=blocked, city="Paris")
    BlockFactory(blocker=blocked, blocked=adult)

    html = page_client_for(adult).get("/discover/").content.decode()

    assert "Tia Teen" not in html
    assert "Bo Blocked" not in html


def test_joining_a_discovered_room_goes_through_the_join_service(adult):
    services.location_set(user=adult, city="Paris")
    owner = UserFactory()
    services.location_set(user=owner, city="Paris")
    room = RoomFactory(owner=owner)

    response = page_client_for(adult).post(f"/rooms/{room.pk}/join/")

    assert response.status_code == 302
    assert room.memberships.filter(user=adult, is_banned=False).exists()
