"""Shared API plumbing: error envelope, JSON errors under /api/, OpenAPI, docs, health."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory


class EchoInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)


@api_view(["POST"])
@permission_classes([AllowAny])
def echo(request):
    if request.query_params.get("fail") == "404":
        raise Http404
    if request.query_params.get("fail") == "403":
        raise PermissionDenied
    data = EchoInput(data=request.data)
    data.is_valid(raise_exception=True)
    return Response(data.validated_data)


def call_echo(body, content_type="application/json", query=""):
    request = APIRequestFactory().post(f"/api/echo/{query}", body, content_type=content_type)
    return echo(request)


def test_validation_errors_carry_detail_code_and_field_messages():
    response = call_echo('{"name": "far too long"}')
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "name" in response.data["detail"]
    assert response.data["name"] == ["Ensure this field has no more than 5 characters."]


def test_malformed_json_is_a_400_envelope_not_a_500():
    response = call_echo("{not json")
    assert response.status_code == 400
    assert response.data["code"] == "parse_error"
    assert "JSON" in response.data["detail"]


def test_wrong_content_type_is_a_415_envelope():
    response = call_echo("name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.data["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("fail", "status", "code"), [("404", 404, "not_found"), ("403", 403, "forbidden")]
)
def test_django_exceptions_become_envelopes(fail, status, code):
    response = call_echo("{}", query=f"?fail={fail}")
    assert response.status_code == status
    assert response.data["code"] == code


@pytest.mark.django_db
def test_unknown_api_path_is_json_not_an_html_page(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_openapi_schema_is_published(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "WYA!? API"
    assert schema["openapi"].startswith("3.")


@pytest.mark.django_db
def test_swagger_ui_is_served_from_local_static_files(client):
    from django.contrib.staticfiles import finders

    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_database_and_channel_layer(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    from django.db import connection

    assert body["database"] == {"status": "ok", "vendor": connection.vendor}
    assert body["channel_layer"]["status"] == "ok"
    expected = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert body["channel_layer"]["backend"] == expected


@pytest.mark.django_db
def test_home_page_renders_with_the_base_template(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Where You At!?" in response.content.decode()


@pytest.mark.django_db
def test_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200


@api_view(["POST"])
@permission_classes([AllowAny])
def raises_service_error(request):
    from wya.errors import Conflict

    raise Conflict("The room is full.", code="room_full")


def test_service_errors_become_envelopes_with_their_status_and_code():
    request = APIRequestFactory().post("/api/x/", "{}", content_type="application/json")
    response = raises_service_error(request)
    assert response.status_code == 409
    assert response.data == {"detail": "The room is full.", "code": "room_full"}


@pytest.mark.django_db(transaction=True)
async def test_healthz_answers_ok_while_open_sockets_wait_for_events():
    """Regression (found by the reconnect-storm drill): on Redis, sockets waiting for events hold
    channels-redis' one receive lock in a 5 s blocking pop on their channel key; the probe's
    channel had a key of its own that nobody popped, so /healthz timed out with 503 whenever a
    socket was open. It now shares the sockets' key (any waiter's pop delivers it)."""
    import asyncio

    from channels.layers import get_channel_layer
    from django.test import AsyncClient

    layer = get_channel_layer()
    channels = [await layer.new_channel() for _ in range(3)]
    waiting = [asyncio.create_task(layer.receive(channel)) for channel in channels]
    await asyncio.sleep(0.2)  # they are in their blocking pop now
    try:
        response = await AsyncClient().get("/healthz")
    finally:  # each waiter gets its event (cancelling channels-redis' receive can hang)
        for channel in channels:
            await layer.send(channel, {"type": "done"})
        await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), timeout=15)
    assert response.status_code == 200, response.json()
    assert response.json()["channel_layer"]["status"] == "ok"
