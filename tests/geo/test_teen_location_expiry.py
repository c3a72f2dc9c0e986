"""A teen's approximate location expires TEEN_LOCATION_TTL_HOURS after they set it: then it counts
as not set everywhere (GET /api/me/location/, discovery by REST and on the pages, others'
discovery), the pages ask again, and ``purge_expired_locations`` deletes the row. Adults' locations
never expire. Time is held still (``frozen_now``) and the row's ``updated_at`` is set directly."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from geo import services
from geo.models import Location
from tests.conftest import page_client_for
from tests.factories import RoomFactory, TeenFactory, UserFactory

pytestmark = pytest.mark.django_db

TTL = dt.timedelta(hours=24)
EXACTLY_TTL_AGO = TTL
ONE_SECOND_LESS = TTL - dt.timedelta(seconds=1)


@pytest.fixture
def frozen_now(monkeypatch):
    """``timezone.now`` held at one instant, so "TTL ago" is exact whatever the test's speed."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def placed(user, *, age: dt.timedelta, now: dt.datetime, city="Paris"):
    services.location_set(user=user, city=city, neighborhood="Marais")
    Location.objects.filter(user_id=user.pk).update(updated_at=now - age)
    return user


def test_a_teen_location_set_one_second_less_than_the_ttl_ago_is_still_shown(
    make_client, minor, frozen_now
):
    placed(minor, age=ONE_SECOND_LESS, now=frozen_now)

    response = make_client(minor).get("/api/me/location/")

    assert response.status_code == 200
    assert response.json()["city_hash"]


def test_a_teen_location_set_exactly_the_ttl_ago_has_expired_and_says_so(
    make_client, minor, frozen_now
):
    placed(minor, age=EXACTLY_TTL_AGO, now=frozen_now)

    response = make_client(minor).get("/api/me/location/")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "location_not_set"  # the answer of a missing location, kept
    assert "expires 24 hours after you set it" in body["detail"]
    assert "for your safety" in body["detail"].lower()


def test_an_adult_location_older_than_the_ttl_is_unchanged(make_client, adult, frozen_now):
    placed(adult, age=TTL * 30, now=frozen_now)

    assert make_client(adult).get("/api/me/location/").status_code == 200
    assert make_client(adult).get("/api/discover/people/").status_code == 200


@pytest.mark.parametrize("path", ["/api/discover/people/", "/api/discover/rooms/"])
def test_a_teen_whose_location_expired_is_asked_to_set_it_again_by_discovery(
    make_client, minor, frozen_now, path
):
    placed(minor, age=EXACTLY_TTL_AGO, now=frozen_now)

    response = make_client(minor).get(path)

    assert response.status_code == 409
    assert response.json()["code"] == "location_required"
    assert "it has expired" in response.json()["detail"]


def test_a_teen_whose_location_expired_is_not_discoverable_by_other_teens(
    make_client, minor, frozen_now
):
    placed(minor, age=dt.timedelta(0), now=frozen_now)
    fresh = placed(TeenFactory(), age=ONE_SECOND_LESS, now=frozen_now)
    expired = placed(TeenFactory(), age=EXACTLY_TTL_AGO, now=frozen_now)

    body = make_client(minor).get("/api/discover/people/").json()

    found = [person["id"] for tier in body.values() for person in tier]
    assert fresh.pk in found
    assert expired.pk not in found


def test_the_rooms_of_a_teen_whose_location_expired_are_not_discovered(
    make_client, minor, frozen_now
):
    placed(minor, age=dt.timedelta(0), now=frozen_now)
    live_room = RoomFactory(owner=placed(TeenFactory(), age=ONE_SECOND_LESS, now=frozen_now))
    stale_room = RoomFactory(owner=placed(TeenFactory(), age=EXACTLY_TTL_AGO, now=frozen_now))

    body = make_client(minor).get("/api/discover/rooms/").json()

    found = [room["id"] for tier in body.values() for room in tier]
    assert live_room.pk in found
    assert stale_room.pk not in found


def test_the_discover_page_asks_a_teen_again_with_a_sentence_when_the_location_expired(
    minor, frozen_now
):
    placed(minor, age=EXACTLY_TTL_AGO, now=frozen_now)

    html = page_client_for(minor).get("/discover/").content.decode()

    assert 'id="location-expired"' in html
    assert "For your safety, your location expires 24 hours after you set it" in html
    assert 'id="location-form"' in html
    assert 'id="tier-city"' not in html


def test_the_discover_page_shows_the_tiers_to_a_teen_whose_location_is_still_live(
    minor, frozen_now
):
    placed(minor, age=ONE_SECOND_LESS, now=frozen_now)

    html = page_client_for(minor).get("/discover/").content.decode()

    assert 'id="location-expired"' not in html
    assert 'id="tier-city"' in html


def test_setting_the_location_again_makes_it_live_again(make_client, minor, frozen_now):
    placed(minor, age=EXACTLY_TTL_AGO, now=frozen_now)

    client = make_client(minor)
    assert client.put("/api/me/location/", {"city": "Paris"}, format="json").status_code == 200

    assert client.get("/api/me/location/").status_code == 200
    assert client.get("/api/discover/people/").status_code == 200


def test_the_ttl_follows_the_setting(make_client, minor, frozen_now, settings):
    settings.TEEN_LOCATION_TTL_HOURS = 2
    placed(minor, age=dt.timedelta(hours=2), now=frozen_now)

    response = make_client(minor).get("/api/me/location/")

    assert response.status_code == 404
    assert "expires 2 hours after you set it" in response.json()["detail"]


def test_purge_expired_locations_deletes_only_teens_rows_past_the_ttl(frozen_now, capsys):
    expired_teen = placed(TeenFactory(), age=EXACTLY_TTL_AGO, now=frozen_now)
    live_teen = placed(TeenFactory(), age=ONE_SECOND_LESS, now=frozen_now)
    old_adult = placed(UserFactory(), age=TTL * 30, now=frozen_now)

    call_command("purge_expired_locations")

    kept = set(Location.objects.values_list("user_id", flat=True))
    assert kept == {live_teen.pk, old_adult.pk}
    assert expired_teen.pk not in kept
    assert "1 expired teen location(s) deleted" in capsys.readouterr().out
