"""One API convention on every endpoint: unknown fields are a 400 naming them, every endpoint
lives under /api/ in the API URL list with an OpenAPI tag, and a 403 has one code."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from wya import urls as root_urls

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
TAGS = {"accounts", "geo", "discovery", "rooms", "messaging", "safety", "media"}


def _api_endpoints(patterns=None, prefix="/api/"):
    """``(path, view class)`` for every endpoint of the API URL list, ids filled in."""
    for entry in root_urls.api_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_endpoints(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            path = (prefix + route).replace("<int:room_id>", "987654").replace("<str:", "<")
            path = path.replace("<room_id>", "987654").replace("<user_id>", "no-such-user")
            yield path, entry.callback.view_class


WRITES = [
    (path, method)
    for path, view in _api_endpoints()
    for method in WRITE_METHODS
    if hasattr(view, method)
]


def test_the_api_has_write_endpoints_of_every_app():
    paths = {path for path, _ in WRITES}
    for expected in (
        "/api/rooms/",
        "/api/me/",
        "/api/blocks/",
        "/api/media/",
        "/api/auth/register/",
    ):
        assert expected in paths


@pytest.mark.parametrize(("path", "method"), WRITES, ids=[f"{m} {p}" for p, m in WRITES])
def test_every_write_endpoint_refuses_unknown_fields_naming_them(make_client, adult, path, method):
    client = make_client(adult)
    if path == "/api/media/":
        body = {"file": SimpleUploadedFile("a.png", b"x"), "caption_typo": "x"}
        response = client.post(path, body, format="multipart")
    else:
        response = getattr(client, method)(path, {"caption_typo": 1}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["caption_typo"] == ["Unknown field."]
    assert "caption_typo" in body["detail"]


def test_a_typo_in_a_direct_message_is_refused_like_one_in_a_room_message(
    make_client, adult, other_adult
):
    response = make_client(adult).post(
        f"/api/dms/{other_adult.pk}/messages/", {"mesage": "hi"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["mesage"] == ["Unknown field."]


def test_every_api_endpoint_is_in_the_api_url_list():
    api_paths = {path.split("<")[0] for path, _ in _api_endpoints()}
    for entry in get_resolver().url_patterns:
        route = str(entry.pattern)
        if route.startswith("api/") and route not in ("api/", "api/schema/", "api/docs/"):
            pytest.fail(f"/{route} is mounted outside the API URL list")
    assert "/api/media/" in api_paths


def test_every_operation_in_the_openapi_schema_has_an_app_tag(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operations = [
        (path, method, operation)
        for path, methods in response.json()["paths"].items()
        for method, operation in methods.items()
    ]

    assert operations
    untagged = [(p, m) for p, m, op in operations if not set(op.get("tags", [])) & TAGS]
    assert untagged == []


def test_a_refused_permission_has_the_one_403_code(make_client, adult, room):
    response = make_client(adult).patch(f"/api/rooms/{room.pk}/", {"room_name": "x"})

    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert response.json()["code"] != "permission_denied"
