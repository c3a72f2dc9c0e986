"""Quiet hours and read receipts (``user_safety_settings``): the segment's defaults (teens: quiet
hours on, read receipts off; adults: the other way round) until the person changes them,
GET/PATCH /api/me/safety-settings/ and the /me/ page, the profile's "Quiet hours" note (REST and
page), ``policy.in_quiet_hours`` across midnight, and chat still delivered during quiet hours."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import UserSafetySettings
from accounts.services import safety_settings_update
from safety import policy
from tests.conftest import page_client_for
from tests.factories import PASSWORD
from tests.messaging.live_helpers import connect, receive_until, request

pytestmark = pytest.mark.django_db

URL = "/api/me/safety-settings/"


def local(hour: int, minute: int = 0) -> dt.datetime:
    """A moment at ``hour:minute`` in TIME_ZONE (quiet hours are in the site's local time)."""
    return timezone.make_aware(dt.datetime(2026, 12, 3, hour, minute))


def test_a_teen_has_quiet_hours_on_and_read_receipts_off_by_default(make_client, minor):
    response = make_client(minor).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "quiet_hours_enabled": True,
        "quiet_from": "22:00",
        "quiet_to": "07:00",
        "read_receipts_enabled": False,
    }
    assert not UserSafetySettings.objects.exists()  # a read stores nothing
    assert policy.shows_read_receipts(minor) is False


def test_an_adult_has_quiet_hours_off_and_read_receipts_on_by_default(make_client, adult):
    body = make_client(adult).get(URL).json()

    assert body["quiet_hours_enabled"] is False
    assert body["read_receipts_enabled"] is True
    assert policy.shows_read_receipts(adult) is True


def test_a_teen_may_turn_read_receipts_on_and_the_rest_keeps_the_teen_defaults(make_client, minor):
    response = make_client(minor).patch(URL, {"read_receipts_enabled": True}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "quiet_hours_enabled": True,
        "quiet_from": "22:00",
        "quiet_to": "07:00",
        "read_receipts_enabled": True,
    }
    minor.refresh_from_db()
    assert policy.shows_read_receipts(minor) is True
    assert make_client(minor).get(URL).json()["read_receipts_enabled"] is True


def test_an_empty_patch_changes_nothing_and_stores_nothing(make_client, minor):
    response = make_client(minor).patch(URL, {}, format="json")

    assert response.status_code == 200
    assert response.json()["quiet_hours_enabled"] is True
    assert not UserSafetySettings.objects.exists()


def test_quiet_hours_times_can_be_changed(make_client, adult):
    changes = {"quiet_hours_enabled": True, "quiet_from": "23:30", "quiet_to": "06:15"}

    body = make_client(adult).patch(URL, changes, format="json").json()

    assert body["quiet_from"] == "23:30" and body["quiet_to"] == "06:15"
    row = UserSafetySettings.objects.get(user=adult)
    assert (row.quiet_from, row.quiet_to) == (dt.time(23, 30), dt.time(6, 15))
    assert row.read_receipts_enabled is True  # the adult default, written with the first change


@pytest.mark.parametrize(
    "data",
    [
        {"quiet_from": "25:00"},
        {"quiet_to": "soon"},
        {"quiet_hours_enabled": "maybe"},
        {"last_seen": True},
        ["quiet_hours_enabled"],
    ],
)
def test_bad_input_is_a_400_with_detail_and_code(make_client, minor, data):
    response = make_client(minor).patch(URL, data, format="json")

    assert response.status_code == 400
    assert {"detail", "code"} <= set(response.json())
    assert not UserSafetySettings.objects.exists()


def test_quiet_hours_that_start_when_they_end_are_refused(make_client, minor):
    response = make_client(minor).patch(
        URL, {"quiet_from": "07:00", "quiet_to": "07:00"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "different times" in response.json()["detail"]


def test_the_settings_need_a_logged_in_person(anon_client):
    assert anon_client.get(URL).status_code in (401, 403)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (local(21, 59), False),
        (local(22, 0), True),
        (local(23, 59), True),
        (local(0, 0), True),
        (local(6, 59), True),
        (local(7, 0), False),
        (local(12, 0), False),
    ],
)
def test_a_teens_default_quiet_hours_cross_midnight(minor, moment, quiet):
    assert policy.in_quiet_hours(minor, moment) is quiet


def test_a_window_inside_one_day_and_quiet_hours_turned_off(minor):
    safety_settings_update(user=minor, quiet_from=dt.time(13, 0), quiet_to=dt.time(14, 0))
    assert policy.in_quiet_hours(minor, local(13, 30)) is True
    assert policy.in_quiet_hours(minor, local(14, 0)) is False
    assert policy.in_quiet_hours(minor, local(23, 0)) is False

    safety_settings_update(user=minor, quiet_hours_enabled=False)
    assert policy.in_quiet_hours(minor, local(13, 30)) is False


def test_an_adult_is_never_in_quiet_hours_by_default(adult):
    assert policy.in_quiet_hours(adult, local(23, 0)) is False


def test_the_profile_shows_the_quiet_hours_note_to_who_can_see_it(make_client, minor, other_minor):
    body = make_client(other_minor).get(f"/api/users/{minor.pk}/").json()
    html = page_client_for(other_minor).get(f"/u/{minor.pk}/").content.decode()

    assert body["quiet_hours"] == "Quiet hours 22:00–07:00"
    assert 'id="quiet-hours-note"' in html and "Quiet hours 22:00–07:00" in html


def test_the_profile_has_no_note_when_quiet_hours_are_off(make_client, adult, other_adult):
    assert make_client(other_adult).get(f"/api/users/{adult.pk}/").json()["quiet_hours"] is None
    html = page_client_for(other_adult).get(f"/u/{adult.pk}/").content.decode()
    assert 'id="quiet-hours-note"' not in html


def test_the_profile_note_follows_the_chosen_times(make_client, minor, other_minor):
    safety_settings_update(user=minor, quiet_from=dt.time(21, 0), quiet_to=dt.time(6, 30))

    body = make_client(other_minor).get(f"/api/users/{minor.pk}/").json()

    assert body["quiet_hours"] == "Quiet hours 21:00–06:30"


def test_the_profile_api_loads_the_settings_with_the_profile_not_in_a_query_of_their_own(
    make_client, minor, other_minor
):
    safety_settings_update(user=minor, read_receipts_enabled=True)
    client = make_client(other_minor)

    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/api/users/{minor.pk}/").json()

    assert body["quiet_hours"] == "Quiet hours 22:00–07:00"
    sql = [query["sql"] for query in queries.captured_queries]
    assert any('"user_safety_settings"' in statement for statement in sql)
    assert not [s for s in sql if s.startswith('SELECT "user_safety_settings"')]


def test_the_me_page_shows_the_section_with_the_teen_defaults(minor):
    html = page_client_for(minor).get("/me/").content.decode()

    assert 'id="safety-settings-form"' in html
    assert 'name="quiet_hours_enabled"' in html
    assert 'value="22:00"' in html and 'value="07:00"' in html
    assert 'name="quiet_hours_enabled" id="id_quiet_hours_enabled" checked' in html


def test_the_me_page_saves_the_settings(minor):
    client = page_client_for(minor)
    form = {"action": "safety", "quiet_from": "21:00", "quiet_to": "06:00"}
    form["read_receipts_enabled"] = "on"  # quiet hours left unticked: turned off

    response = client.post("/me/", form)

    assert response.status_code == 302
    row = UserSafetySettings.objects.get(user=minor)
    assert row.quiet_hours_enabled is False and row.read_receipts_enabled is True
    assert (row.quiet_from, row.quiet_to) == (dt.time(21, 0), dt.time(6, 0))


def test_the_me_page_refuses_equal_times_with_the_reason(minor):
    form = {"action": "safety", "quiet_hours_enabled": "on", "quiet_from": "07:00"}
    form["quiet_to"] = "07:00"

    response = page_client_for(minor).post("/me/", form)

    assert response.status_code == 400
    assert "Quiet hours must start and end at different times." in response.content.decode()
    assert not UserSafetySettings.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_a_teen_in_quiet_hours_still_receives_messages_on_the_socket(minor, other_minor):
    db = sync_to_async
    now = timezone.localtime()
    around_now = {"quiet_from": (now - dt.timedelta(hours=1)).time().replace(second=0)}
    around_now["quiet_to"] = (now + dt.timedelta(hours=1)).time().replace(second=0)
    await db(safety_settings_update)(user=minor, **around_now)
    await db(minor.refresh_from_db)()
    assert await db(policy.in_quiet_hours)(minor)

    ws = await connect(minor)
    sender = await connect(other_minor)
    sent = await request(sender, {"type": "dm.send", "to": minor.pk, "message": "still there?"})
    assert sent["type"] == "ack"
    frame = await receive_until(ws, lambda f: f["type"].startswith("dm"))

    assert frame["message"]["message"] == "still there?"
    await ws.disconnect()
    await sender.disconnect()


def test_deleting_the_account_deletes_the_safety_settings(make_client, minor):
    client = make_client(minor)
    client.patch(URL, {"read_receipts_enabled": True}, format="json")
    assert UserSafetySettings.objects.filter(user=minor).exists()

    response = client.delete("/api/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not UserSafetySettings.objects.filter(user=minor).exists()
