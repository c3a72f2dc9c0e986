"""What an attacker can learn: trilateration by moving oneself, and dictionary attacks on hashes."""

import hashlib
import hmac
import math

import pytest

from geo import privacy
from geo.models import Location
from tests.factories import UserFactory

LOCATION = "/api/me/location/"
DISCOVER = "/api/discover/people/"

# Two raw points of the same cell, ~250 m apart (checked below, not assumed).
VICTIM_A = (48.85612, 2.35101)
VICTIM_B = (48.85688, 2.35377)


@pytest.fixture(autouse=True)
def _attacker_not_slowed_by_the_write_limit(settings):
    """These attacks measure what 200 answers reveal, not how fast they come: the write limit
    (RATE_WRITES, 120/min) would stop the attacker at the 121st move and hide a leak."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "writes": "100000/min"}


def spoofed_positions(around, count=200):
    """Rings of positions from 100 m to 6 km around a point, at varied angles."""
    lat0, lon0 = around
    positions = []
    for i in range(count):
        radius_km = 0.1 + 6.0 * (i / count)
        angle = math.radians(i * 137.5)  # golden-angle spiral
        d_lat = radius_km * math.cos(angle) / 111.32
        d_lon = radius_km * math.sin(angle) / (111.32 * math.cos(math.radians(lat0)))
        positions.append((lat0 + d_lat, lon0 + d_lon))
    return positions


def probe(attacker_client, positions):
    responses = []
    for lat, lon in positions:
        put = attacker_client.put(
            LOCATION, {"city": "Attackville", "latitude": lat, "longitude": lon}, format="json"
        )
        assert put.status_code == 200
        responses.append(attacker_client.get(DISCOVER).json())
    return responses


def stand_at(client, user, point) -> tuple:
    """``user`` shares ``point`` in Paris; returns what was stored."""
    client.put(
        LOCATION, {"city": "Paris", "latitude": point[0], "longitude": point[1]}, format="json"
    )
    return Location.objects.values_list("latitude", "longitude").get(user=user)


def test_moving_around_a_victim_200_times_reveals_nothing_finer_than_the_cell(make_client):
    assert privacy.cell_of(*VICTIM_A) == privacy.cell_of(*VICTIM_B)
    victim, attacker = UserFactory(), UserFactory()
    victim_client, attacker_client = make_client(victim), make_client(attacker)
    positions = spoofed_positions(VICTIM_A)

    stored_a = stand_at(victim_client, victim, VICTIM_A)
    seen_at_a = probe(attacker_client, positions)

    stored_b = stand_at(victim_client, victim, VICTIM_B)
    seen_at_b = probe(attacker_client, positions)

    # Every one of the 200 answers is the same whichever raw point the victim stood on ...
    assert seen_at_a == seen_at_b
    # ... and the answers did depend on the attacker's position (the test is not vacuous).
    found = [victim.pk in [p["id"] for p in r["nearby"]] for r in seen_at_a]
    assert any(found) and not all(found)
    # The database holds the cell centre, computed here independently of the grid code.
    cell = privacy.cell_of(*VICTIM_A)
    centre_lat = -90 + (cell.row + 0.5) * 0.01
    centre_lon = -180 + (cell.col + 0.5) * 360 / cell.columns
    assert stored_a == stored_b
    assert float(stored_a[0]) == pytest.approx(centre_lat, abs=1e-8)
    assert float(stored_a[1]) == pytest.approx(centre_lon, abs=1e-8)


def test_two_victims_in_one_cell_are_indistinguishable_to_every_probe(make_client):
    first, second, attacker = UserFactory(), UserFactory(), UserFactory()
    for user, (lat, lon) in ((first, VICTIM_A), (second, VICTIM_B)):
        make_client(user).put(
            LOCATION, {"city": "Paris", "latitude": lat, "longitude": lon}, format="json"
        )

    for response in probe(make_client(attacker), spoofed_positions(VICTIM_B)):
        tiers_of = {person["id"]: tier for tier, people in response.items() for person in people}
        assert tiers_of.get(first.pk) == tiers_of.get(second.pk)


CITIES = """Paris London Berlin Madrid Rome Lisbon Dublin Amsterdam Brussels Vienna Prague Warsaw
Budapest Athens Stockholm Oslo Copenhagen Helsinki Zurich Geneva Lyon Marseille Toulouse Nice
Nantes Bordeaux Lille Strasbourg Munich Hamburg Cologne Frankfurt Milan Naples Turin Barcelona
Valencia Seville Porto Krakow Bucharest Sofia Belgrade Zagreb Istanbul Moscow Kyiv Cairo Lagos
Nairobi Johannesburg Casablanca Tunis Accra Dakar Tokyo Osaka Kyoto Seoul Busan Beijing Shanghai
Shenzhen Hong_Kong Taipei Singapore Bangkok Hanoi Manila Jakarta Mumbai Delhi Bangalore Chennai
Kolkata Karachi Lahore Dhaka Tehran Dubai Riyadh Sydney Melbourne Brisbane Perth Auckland
Wellington Toronto Montreal Vancouver Ottawa Calgary New_York Los_Angeles Chicago Houston
Phoenix Philadelphia San_Francisco Seattle Boston Miami Atlanta Denver Mexico_City Bogota Lima
Santiago Buenos_Aires Sao_Paulo Rio_de_Janeiro Caracas Havana Saint-Étienne Zürich Kraków
Malmö Besançon Orléans Düsseldorf""".replace("_", " ").split()
NEIGHBOURHOODS = ["Centre", "Downtown", "Old Town", "Le Marais", "Belleville", "Soho"]
COMMON_KEYS = [b"", b"key", b"secret", b"password", b"wya", b"location", b"changeme", b"salt"]


def variants(name):
    normalised = privacy.normalize_name(name)
    return {name, name.lower(), name.upper(), name.casefold(), normalised, normalised.title()}


def dictionary():
    guesses = set()
    messages = {v for city in CITIES for v in variants(city)}
    messages |= {v for n in NEIGHBOURHOODS for v in variants(n)}
    messages |= {f"{c}{sep}{n}" for c in messages for n in NEIGHBOURHOODS for sep in ("", ",", ":")}
    messages |= {f"city\x00{m}" for m in set(messages)}
    for message in messages:
        data = message.encode()
        guesses.add(hashlib.sha256(data).hexdigest())
        guesses.add(hashlib.md5(data).hexdigest())
        guesses.add(hashlib.sha1(data).hexdigest())
        for key in COMMON_KEYS:
            guesses.add(hmac.new(key, data, hashlib.sha256).hexdigest())
    return guesses


def test_a_dictionary_of_city_names_matches_none_of_the_stored_hashes(make_client, settings):
    settings.LOCATION_HASH_KEY = "k3y-that-lives-only-in-the-environment-0b7d"
    assert len(CITIES) >= 100
    chosen = ["Paris", "Saint-Étienne", "São Paulo", "New York", "Kraków"]
    for city in chosen:
        make_client(UserFactory()).put(
            LOCATION, {"city": city, "neighborhood": "Centre"}, format="json"
        )
    stored = set(Location.objects.values_list("city_hash", flat=True))
    stored |= set(Location.objects.values_list("neighborhood_hash", flat=True))

    assert stored.isdisjoint(dictionary())
    # while the server, holding the key, recomputes every one of them
    assert {privacy.city_hash(c) for c in chosen} | {
        privacy.neighborhood_hash(c, "Centre") for c in chosen
    } == stored
