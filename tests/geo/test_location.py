"""PUT/GET/DELETE /api/me/location/: keyed hashes, snapped cells, nothing raw kept or echoed."""

import logging
import math

import pytest
from django.db import connection

from geo import privacy
from geo.models import Location

URL = "/api/me/location/"
RAW_LAT, RAW_LON = 48.8566137, 2.3522219


@pytest.fixture
def client(make_client, adult):
    return make_client(adult)


def test_a_location_is_stored_as_keyed_hashes_and_a_cell_centre(client, adult, settings):
    response = client.put(
        URL,
        {"city": "Paris", "neighborhood": "Le Marais", "latitude": RAW_LAT, "longitude": RAW_LON},
        format="json",
    )

    assert response.status_code == 200
    row = Location.objects.get(user=adult)
    assert row.city_hash == privacy.city_hash("paris")
    assert row.neighborhood_hash == privacy.neighborhood_hash("Paris", "le marais")
    assert len(row.city_hash) == 64 and len(row.neighborhood_hash) == 64
    cell = privacy.cell_of(RAW_LAT, RAW_LON)
    assert (row.latitude, row.longitude) == (cell.lat_center, cell.lon_center)
    assert float(row.latitude) != RAW_LAT and float(row.longitude) != RAW_LON


def test_the_raw_coordinates_are_never_echoed_back(client):
    put = client.put(
        URL, {"city": "Paris", "latitude": RAW_LAT, "longitude": RAW_LON}, format="json"
    )
    get = client.get(URL)

    for response in (put, get):
        body = response.content.decode()
        assert "8566137" not in body and "3522219" not in body
        assert "Paris" not in body and "paris" not in body
    assert get.json() == put.json()
    assert set(get.json()) == {
        "city_hash",
        "neighborhood_hash",
        "latitude",
        "longitude",
        "updated_at",
    }


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(91.2345678, 2.0), (-90.0000001, 2.0), (48.0, 180.9876543), (48.0, -181.5555555)],
)
def test_out_of_range_coordinates_are_refused_without_repeating_them(client, latitude, longitude):
    response = client.put(
        URL, {"city": "Paris", "latitude": latitude, "longitude": longitude}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    body = response.content.decode()
    assert str(latitude) not in body and str(longitude) not in body
    assert not Location.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"city": "Paris", "latitude": 48.85},
        {"city": "Paris", "longitude": 2.35},
        {"city": "Paris", "latitude": "nan", "longitude": 2.35},
        {"city": "Paris", "latitude": "north", "longitude": 2.35},
        {"city": "Paris", "latitude": True, "longitude": 2.35},
        {"city": "  --  "},
        {"city": ""},
        {"neighborhood": "Centre"},
    ],
)
def test_bad_location_input_is_a_400_not_a_500(client, payload):
    response = client.put(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Location.objects.exists()


def test_names_are_normalised_before_hashing(client, adult):
    client.put(URL, {"city": "  SAINT-ÉTIENNE ", "neighborhood": "Bellevue!"}, format="json")
    first = Location.objects.get(user=adult)
    client.put(URL, {"city": "saint   etienne", "neighborhood": "bellevue"}, format="json")
    second = Location.objects.get(user=adult)

    assert privacy.normalize_name("  SAINT-ÉTIENNE ") == "saint etienne"
    assert (first.city_hash, first.neighborhood_hash) == (
        second.city_hash,
        second.neighborhood_hash,
    )


def test_the_same_neighbourhood_name_in_two_cities_hashes_differently():
    assert privacy.neighborhood_hash("Lyon", "Centre") != privacy.neighborhood_hash(
        "Paris", "Centre"
    )


def test_the_hash_key_comes_from_settings_and_never_enters_the_database(client, settings):
    settings.LOCATION_HASH_KEY = "a-key-only-the-servers-know-3f9a"
    client.put(URL, {"city": "Paris", "latitude": 1.0, "longitude": 1.0}, format="json")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM locations")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert settings.LOCATION_HASH_KEY not in stored
    settings.LOCATION_HASH_KEY = "another-key"
    assert privacy.city_hash("Paris") not in stored


def test_raw_coordinates_are_not_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.put(URL, {"city": "Paris", "latitude": RAW_LAT, "longitude": RAW_LON}, format="json")
        client.put(URL, {"city": "Paris", "latitude": 95.8566137, "longitude": 2}, format="json")

    assert "8566137" not in caplog.text and "3522219" not in caplog.text


def test_get_without_a_location_is_a_404(client):
    response = client.get(URL)

    assert response.status_code == 404
    assert response.json()["code"] == "location_not_set"


def test_a_location_without_coordinates_keeps_none(client, adult):
    client.put(URL, {"city": "Paris"}, format="json")

    row = Location.objects.get(user=adult)
    assert (row.latitude, row.longitude, row.neighborhood_hash) == (None, None, None)


def test_delete_removes_the_row(client, adult):
    client.put(URL, {"city": "Paris"}, format="json")

    response = client.delete(URL)

    assert response.status_code == 204
    assert not Location.objects.filter(user=adult).exists()
    assert client.get(URL).status_code == 404


def test_location_needs_login(anon_client):
    assert anon_client.put(URL, {"city": "Paris"}, format="json").status_code == 401
    assert anon_client.get(URL).status_code == 401


EARTH_KM_PER_DEGREE = 111.32


@pytest.mark.parametrize("latitude", [0.0, 23.4, 45.0, 60.1, 75.0, 84.99, 89.5, 89.999, -67.3])
def test_every_grid_cell_is_at_least_a_kilometre_wide(latitude):
    cell = privacy.cell_of(latitude, 10.0)
    lower, upper = privacy.row_bounds(cell.row)
    narrowest = math.cos(math.radians(max(abs(float(lower)), abs(float(upper)))))
    height_km = float(upper - lower) * EARTH_KM_PER_DEGREE
    width_km = cell.lon_step * narrowest * EARTH_KM_PER_DEGREE

    assert height_km >= 1.1
    assert width_km >= 1.1 or cell.columns == 1


@pytest.mark.parametrize(
    ("lat", "lon"), [(48.85661, 2.35222), (-33.9, 151.2), (0, -180), (90, 180)]
)
def test_snapping_a_cell_centre_gives_the_same_centre(lat, lon):
    centre = privacy.snap(lat, lon)

    assert privacy.snap(float(centre[0]), float(centre[1])) == centre
    assert -90 <= centre[0] <= 90 and -180 <= centre[1] <= 180
