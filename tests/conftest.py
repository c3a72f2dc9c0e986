"""Shared fixtures: the usual cast (owner, member, outsider, minor, adult) and API clients."""

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    MemberFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
    verified_staff_login,
)


def pytest_report_header(config):
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    cache_backend = settings.CACHES["default"]["BACKEND"]
    return [
        f"wya: database={settings.DATABASES['default']['ENGINE']} "
        f"channel_layer={layer} cache={cache_backend}"
    ]


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    """Every test starts with an empty cache (throttles, tickets, client ids) and its own media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI always does)")
    return connection


@pytest.fixture
def channel_layer():
    return get_channel_layer()


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def page_client_for(user) -> Client:
    """A browser-like client logged in as ``user`` (a session cookie), for the pages; a staff
    member's session has also passed the admin's second factor (``verified_staff_login``)."""
    return verified_staff_login(Client(), user)


def session_cookie_for(user) -> bytes:
    """The ``Cookie`` header of a browser logged in as ``user`` (for sockets)."""
    cookie = page_client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()


@pytest.fixture
def make_client(db):
    return api_client_for


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def adult(db):
    return UserFactory(profile__display_name="Ada Adult")


@pytest.fixture
def other_adult(db):
    return UserFactory(profile__display_name="Otto Other")


@pytest.fixture
def minor(db):
    return TeenFactory(profile__display_name="Tia Teen")


@pytest.fixture
def other_minor(db):
    return TeenFactory(profile__display_name="Theo Teen")


@pytest.fixture
def owner(db):
    return UserFactory(profile__display_name="Olive Owner")


@pytest.fixture
def room(owner):
    return RoomFactory(owner=owner, room_name="Corner café")


@pytest.fixture
def member(room):
    return MemberFactory(room=room, user=UserFactory(profile__display_name="Mia Member")).user


@pytest.fixture
def outsider(db):
    return UserFactory(profile__display_name="Oscar Outsider")


@pytest.fixture
def moderator(db):
    return UserFactory(is_staff=True, is_superuser=True, profile__display_name="Moe Moderator")


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer per test: channels-redis binds its connections to the event loop
    that first used them, and every async test has its own loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
