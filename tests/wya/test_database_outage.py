"""A database outage is a 503 with Retry-After (JSON under /api/), never a 500. The real restart
is drilled by scripts/fault_drills.py postgres (docs/reliability.md)."""

import pytest
from django.db import OperationalError

from accounts import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "user_me", refuse)
    monkeypatch.setattr(selectors, "user_public_get", refuse)


def test_an_api_request_during_an_outage_is_a_json_503(make_client, adult, database_down):
    response = make_client(adult).get("/api/me/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "2"


def test_a_page_during_an_outage_is_a_503(client, adult, database_down):
    client.force_login(adult)
    response = client.get(f"/u/{adult.pk}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
