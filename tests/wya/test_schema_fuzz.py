"""Fuzzing in CI: schemathesis against the published OpenAPI schema (/api/schema/), signed in as
two different users, a bounded number of examples per operation. Every response: no 5xx, a
documented status code, a body and content type that conform to the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import MemberFactory, RoomFactory, RoomMessageFactory, UserFactory

# What the issue asks of every response. (Not "schema-valid data is accepted": a well-formed
# login with a wrong password is rightly a 400.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 5  # per user: bounded so the whole run stays within CI's budget

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/", app)


@pytest.fixture
def keep_the_test_connection():
    """The WSGI app closes database connections after each request; the test's transaction
    must stay open (Django's test client disconnects the same receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def two_users(db, keep_the_test_connection):
    """Two people who share a room (so ids in paths can hit real rows), with API tokens."""
    first, second = UserFactory(), UserFactory()
    room = RoomFactory(owner=first)
    MemberFactory(room=room, user=second)
    RoomMessageFactory(room=room, user=first)
    return [Token.objects.create(user=user).key for user in (first, second)]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema_for_two_users(case, two_users):
    for token in two_users:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
