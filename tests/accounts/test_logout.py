"""Logging out: the API token goes, and the sockets opened with it (or with the page's session)
close."""

import pytest
from rest_framework.authtoken.models import Token

from tests.accounts.events import listen
from tests.factories import PASSWORD
from wya.live import user_group

pytestmark = pytest.mark.django_db


def test_logout_deletes_the_token_so_it_no_longer_works(make_client, adult):
    client = make_client(adult)

    assert client.post("/api/auth/logout/").status_code == 204

    assert not Token.objects.filter(user=adult).exists()
    assert client.get("/api/me/").status_code == 401


def test_logout_publishes_socket_close_with_that_token_key(
    make_client, adult, django_capture_on_commit_callbacks
):
    client = make_client(adult)
    key = Token.objects.get(user=adult).key
    sockets = listen(user_group(adult.pk))

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/auth/logout/")

    assert sockets.next_event() == {
        "type": "socket.close",
        "reason": "logout",
        "token_key": key,
        "session_key": None,
    }


def test_logout_without_credentials_is_a_401(anon_client):
    assert anon_client.post("/api/auth/logout/").status_code == 401


def test_logging_in_after_logout_issues_a_new_token(make_client, anon_client, adult):
    old = Token.objects.get_or_create(user=adult)[0].key
    make_client(adult).post("/api/auth/logout/")

    response = anon_client.post(
        "/api/auth/login/", {"email": adult.email, "password": PASSWORD}, format="json"
    )

    assert response.json()["token"] != old


def test_web_page_logout_publishes_socket_close_with_the_session_key(
    client, adult, django_capture_on_commit_callbacks
):
    client.force_login(adult)
    session_key = client.session.session_key
    sockets = listen(user_group(adult.pk))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/logout/")

    assert response.status_code == 302
    assert sockets.next_event() == {
        "type": "socket.close",
        "reason": "logout",
        "token_key": None,
        "session_key": session_key,
    }
