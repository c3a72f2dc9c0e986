"""Finding 4: no input is a 500. Deep JSON on every JSON endpoint and on /ws/, NUL bytes in ids,
NUL and lone surrogates in socket frames, unrouted /api/ paths, an empty multipart boundary."""

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.messaging.live_helpers import connect, request

DEEP = ("[" * 1000 + "]" * 1000).encode()
DEEP_OBJECT = ('{"a":' * 900 + "1" + "}" * 900).encode()


def json_operations() -> list[tuple[str, str]]:
    """Every (method, path) of the published schema that takes a JSON body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                operations.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return sorted(operations)


def test_the_schema_lists_the_json_endpoints_the_probe_attacked():
    operations = json_operations()
    assert ("POST", "/api/auth/register/") in operations
    assert ("POST", "/api/auth/login/") in operations
    assert len(operations) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_deep_json_is_a_400_on_every_json_endpoint_signed_in_or_not(body):
    signed_in = api_client_for(UserFactory())
    anonymous = api_client_for(None)
    for method, path in json_operations():
        for client in (anonymous, signed_in):
            response = client.generic(method, path, body, content_type="application/json")
            assert response.status_code < 500, (method, path, response.status_code)
            assert "detail" in response.json(), (method, path)
        response = signed_in.generic(method, path, body, content_type="application/json")
        assert response.status_code in (400, 404, 405), (method, path, response.status_code)


@pytest.mark.django_db
def test_a_deep_json_body_names_the_depth_limit(anon_client):
    response = anon_client.generic(
        "POST", "/api/auth/login/", DEEP, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    ['{"email": "a\\u0000@x.test", "password": "p"}', '{"email": "\\ud800", "password": "p"}'],
    ids=["nul", "lone-surrogate"],
)
def test_nul_and_lone_surrogates_in_a_json_body_are_a_400(anon_client, body):
    response = anon_client.generic(
        "POST", "/api/auth/login/", body.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "NUL" in response.json()["detail"] or "surrogate" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/users/%00/"),
        ("GET", "/api/dms/%00/messages/"),
        ("POST", "/api/dms/%00/messages/"),
        ("DELETE", "/api/blocks/%00/"),
        ("GET", "/api/rooms/%00/"),
        ("GET", "/api/rooms/1/members/%00/"),
    ],
)
def test_a_nul_byte_in_an_api_id_is_a_json_404(method, path):
    response = api_client_for(UserFactory()).generic(method, path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/u/%00/", "/dms/%00/", "/rooms/%00/"])
def test_a_nul_byte_in_a_page_id_is_a_404(client, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["user_id=%00", "user_id=a%00b", "user_id=%ED%A0%80", "limit=%00"]
)
def test_a_nul_byte_in_a_query_string_is_a_json_400(query):
    response = api_client_for(UserFactory()).get(f"/api/presence/?{query}")
    assert response.status_code in (400, 200)
    if "%00" in query:
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unrouted_api_path_is_a_json_404(settings, debug, method):
    settings.DEBUG = debug
    response = api_client_for(UserFactory()).generic(method, "/api/rooms/-1/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/register/", "/api/media/"])
def test_an_empty_multipart_boundary_is_a_json_400(path):
    response = api_client_for(UserFactory()).generic(
        "POST", path, b"--\r\n", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 400
    assert response.json()["detail"]


# --- The socket ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "frame",
    [
        "[" * 20_000 + "]" * 20_000,
        '{"type": "ping", "x": ' + "[" * 500 + "]" * 500 + "}",
        '{"type": "dm.send", "to": "a\\u0000b", "message": "hi", "client_id": "c1"}',
        '{"type": "dm.send", "to": "\\udc00", "message": "hi", "client_id": "c2"}',
        '{"type": "room.send", "room_id": 1, "message": "hi\\u0000", "client_id": "c3"}',
        '{"type": "room.send", "room_id": 1, "message": "\\ud83d", "client_id": "c4"}',
        '{"type": "typing", "to": "\\u0000", "state": "start"}',
    ],
    ids=[
        "deep-20k",
        "deep-in-ping",
        "nul-to",
        "surrogate-to",
        "nul-message",
        "surrogate-message",
        "nul-typing",
    ],
)
async def test_a_hostile_frame_gets_an_invalid_error_frame_and_the_socket_stays(frame):
    from channels.db import database_sync_to_async

    user = await database_sync_to_async(UserFactory)()
    ws = await connect(user)

    answer = await request(ws, frame)
    assert answer["type"] == "error"
    assert answer["code"] == "invalid"
    assert (await request(ws, {"type": "ping"}))["type"] == "pong"
    await ws.disconnect()


def test_frames_decode_refuses_what_json_loads_would_crash_on():
    from messaging import frames
    from wya.errors import Invalid

    for raw in ["[" * 5000 + "]" * 5000, '{"type": "x", "a": NaN}', '{"type": "\\u0000"}']:
        with pytest.raises(Invalid):
            frames.decode(raw)
    assert frames.decode(json.dumps({"type": "ping"})) == {"type": "ping"}
