"""Malformed input across every rooms endpoint: always a 4xx JSON envelope, never a 500."""

import pytest

from tests.factories import MemberFactory
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000
BAD_BODIES = [
    [],
    ["room_name"],
    "just a string",
    123,
    None,
    {"room_name": HUGE},
    {"room_name": 42},
    {"room_name": {"nested": True}},
    {"room_name": ["a"]},
    {"room_name": "ok", "is_public": "maybe"},
    {"room_name": "ok", "max_participants": "ten"},
    {"room_name": "ok", "max_participants": 10**30},
    {"room_name": "ok", "music_url": HUGE},
    {"room_name": "ok", "music_url": 7},
    {"room_name": "ok", "description": HUGE},
    {"message": HUGE},
    {"message": {"a": 1}},
    {"message": "hi", "media_url": HUGE},
    {"message": "hi", "media_url": 5},
    {"user_id": HUGE},
    {"user_id": None},
    {"user_id": ["a"]},
    {"role": "MOD", "extra": 1},
    {"role": None},
    {"role": HUGE},
    {"unknown_field": 1},
    {"room_name": "nul\x00byte"},
    {"message": "nul\x00byte"},
    {"user_id": "nul\x00byte"},
]
ROOM_IDS = ["abc", "-1", "0", "99999999999999999999999", "1.5", "%00"]
USER_IDS = ["nobody", HUGE[:3000], "%00", "../etc"]


def assert_clean_error(response, allowed=(400, 403, 404, 405, 409, 413, 415)):
    assert response.status_code in allowed, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "detail" in body and "code" in body


@pytest.fixture
def staff_room(room, owner):
    MemberFactory(room=room)
    return room


def endpoints(room_id, user_id="someone"):
    return [
        ("post", rooms_url()),
        ("patch", rooms_url(room_id)),
        ("post", rooms_url(room_id, "members")),
        ("patch", rooms_url(room_id, "members", user_id)),
        ("post", rooms_url(room_id, "messages")),
    ]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_json_bodies_never_crash_any_endpoint(staff_room, owner, make_client, body):
    client = make_client(owner)
    member_id = staff_room.memberships.exclude(user=owner).get().user_id
    for method, url in endpoints(staff_room.pk, member_id):
        response = getattr(client, method)(url, body, format="json")
        if response.status_code < 300:
            continue  # a body that happens to be valid for this endpoint (e.g. a plain message)
        assert_clean_error(response)


def test_broken_json_and_wrong_content_types_are_clean_errors(staff_room, owner, make_client):
    client = make_client(owner)
    for method, url in endpoints(staff_room.pk):
        broken = getattr(client, method)(url, "{not json", content_type="application/json")
        assert_clean_error(broken)
        plain = getattr(client, method)(url, "room_name=x", content_type="text/plain")
        assert_clean_error(plain)


@pytest.mark.parametrize("room_id", ROOM_IDS)
def test_non_integer_or_out_of_range_room_ids_are_404s(owner, make_client, room_id):
    client = make_client(owner)
    for suffix in ["", "join/", "leave/", "members/", "messages/", "read/", "members/u/kick/"]:
        for method in ("get", "post", "patch", "delete"):
            response = getattr(client, method)(f"/api/rooms/{room_id}/{suffix}", {}, format="json")
            assert_clean_error(response, allowed=(400, 404, 405))


@pytest.mark.parametrize("user_id", USER_IDS, ids=range(len(USER_IDS)))
def test_unknown_or_odd_user_ids_are_clean_errors(staff_room, owner, make_client, user_id):
    client = make_client(owner)
    for action in ["kick", "ban", "unban"]:
        response = client.post(rooms_url(staff_room.pk, "members", user_id, action))
        assert_clean_error(response, allowed=(404,))
    role = client.patch(rooms_url(staff_room.pk, "members", user_id), {"role": "MOD"})
    assert_clean_error(role, allowed=(404,))
    add = client.post(rooms_url(staff_room.pk, "members"), {"user_id": user_id}, format="json")
    assert_clean_error(add, allowed=(400, 404))


@pytest.mark.parametrize(
    "params",
    [
        {"before": "99999999999999999999999"},
        {"after": "99999999999999999999999"},
        {"after": "-5"},
        {"limit": "lots"},
        {"limit": "1e9"},
        {"before": "0"},
    ],
)
def test_odd_cursor_values_are_clean(staff_room, owner, make_client, params):
    response = make_client(owner).get(rooms_url(staff_room.pk, "messages"), params)

    if response.status_code != 200:
        assert_clean_error(response, allowed=(400,))
