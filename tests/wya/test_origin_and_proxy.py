"""Finding 7: the WebSocket Origin check compares scheme, host and port; X-Forwarded-Proto and
X-Forwarded-For are believed only from a configured proxy; security headers and the CSP."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import RequestFactory

from accounts.api import client_ip
from tests.conftest import session_cookie_for
from tests.factories import UserFactory
from wya.asgi import application
from wya.proxy import TrustedProxyMiddleware
from wya.security import PAGE_CSP


async def _opens(origin: bytes, host: bytes, *, client_ip="127.0.0.1", extra=()) -> bool:
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie_for)(user)
    headers = [(b"origin", origin), (b"host", host), (b"cookie", cookie), *extra]
    ws = WebsocketCommunicator(application, "/ws/", headers=headers)
    ws.scope["client"] = (client_ip, 40000)
    connected, _ = await ws.connect()
    await ws.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (b"http://localhost:8000", True),
        (b"http://localhost:1", False),  # the probe's origin: another port
        (b"https://localhost:8000", False),  # another scheme
        (b"http://localhost", False),  # the default port is another port
        (b"http://127.0.0.1:8000", False),  # another host, though an allowed one
        (b"null", False),
    ],
)
async def test_a_session_socket_opens_only_from_the_pages_own_origin(origin, allowed):
    assert await _opens(origin, b"localhost:8000") is allowed


@pytest.mark.django_db(transaction=True)
async def test_an_origin_listed_in_ws_allowed_origins_is_accepted(settings):
    settings.WS_ALLOWED_ORIGINS = ["https://app.example.test"]
    assert await _opens(b"https://app.example.test", b"localhost:8000") is True


@pytest.mark.django_db(transaction=True)
async def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(settings):
    forwarded = [(b"x-forwarded-proto", b"https")]
    settings.TRUSTED_PROXY_IPS = ["10.9.9.9"]
    assert await _opens(b"https://localhost", b"localhost", extra=forwarded) is False
    assert (
        await _opens(b"https://localhost", b"localhost", client_ip="10.9.9.9", extra=forwarded)
        is True
    )


@pytest.mark.django_db
def test_x_forwarded_proto_from_an_untrusted_client_does_not_make_a_request_secure(
    settings, client
):
    settings.TRUSTED_PROXY_IPS = ["10.9.9.9"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301  # still seen as plain HTTP: redirected to HTTPS
    trusted = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.9.9.9")
    assert trusted.status_code in (200, 503)


@pytest.mark.django_db
def test_x_forwarded_for_sets_the_client_address_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_IPS = ["10.9.9.9"]
    seen = []
    middleware = TrustedProxyMiddleware(lambda request: seen.append(client_ip(request)))
    factory = RequestFactory()
    middleware(factory.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="1.2.3.4"))
    middleware(factory.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 5.5.5.5", REMOTE_ADDR="10.9.9.9"))
    assert seen == ["1.2.3.4", "5.5.5.5"]


@pytest.mark.django_db
def test_pages_carry_a_csp_that_allows_the_app_and_the_music_embeds_only(client):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert csp == PAGE_CSP
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-src https://open.spotify.com https://w.soundcloud.com" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_api_responses_carry_a_csp_that_allows_nothing(anon_client):
    response = anon_client.get("/api/me/")
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_production_settings_send_hsts(settings, client):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
