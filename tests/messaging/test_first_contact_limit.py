"""The new-account first-contact limit (docs/moderation.md, "Early signals"): an account younger
than NEW_ACCOUNT_HOURS starts conversations with at most NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR
people per sliding hour; past it a 429 ``first_contact_limit`` on REST, the socket and the page.
Answers and second messages are never counted."""

import datetime as dt
import time

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.utils import timezone

from messaging.models import PrivateMessage
from safety import signals_rules
from tests.conftest import page_client_for
from tests.factories import UserFactory
from tests.messaging.live_helpers import connect, request
from wya import hotcache

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR = LIMIT


def strangers(count: int) -> list:
    return [UserFactory() for _ in range(count)]


def post_dm(client, recipient, text="hello there"):
    return client.post(f"/api/dms/{recipient.pk}/messages/", {"message": text}, format="json")


def reach_the_limit(client, people) -> None:
    for person in people[:LIMIT]:
        assert post_dm(client, person).status_code == 201


@pytest.mark.django_db
class TestOverRest:
    def test_a_new_account_is_refused_one_first_contact_past_the_limit(self, make_client):
        newcomer = UserFactory()
        people = strangers(LIMIT + 1)
        client = make_client(newcomer)
        reach_the_limit(client, people)
        refused = post_dm(client, people[LIMIT])
        body = refused.json()
        assert (refused.status_code, body["code"]) == (429, "first_contact_limit")
        assert f"at most {LIMIT} people per hour" in body["detail"]
        assert not PrivateMessage.objects.filter(recipient=people[LIMIT]).exists()

    def test_writing_again_to_someone_already_contacted_is_not_a_first_contact(self, make_client):
        newcomer = UserFactory()
        people = strangers(LIMIT)
        client = make_client(newcomer)
        reach_the_limit(client, people)
        assert post_dm(client, people[0], "and again").status_code == 201

    def test_answers_to_people_who_wrote_first_are_never_limited(self, make_client):
        newcomer = UserFactory()
        people = strangers(LIMIT)
        writer = UserFactory()
        client = make_client(newcomer)
        reach_the_limit(client, people)
        assert post_dm(make_client(writer), newcomer, "welcome!").status_code == 201
        assert post_dm(client, writer, "thanks").status_code == 201

    def test_an_account_older_than_the_new_account_hours_is_not_limited(self, make_client):
        veteran = UserFactory(created_at=timezone.now() - dt.timedelta(hours=25))
        client = make_client(veteran)
        for person in strangers(LIMIT + 2):
            assert post_dm(client, person).status_code == 201

    def test_a_refused_first_contact_is_allowed_again_an_hour_later(self, make_client, monkeypatch):
        newcomer = UserFactory()
        people = strangers(LIMIT + 1)
        client = make_client(newcomer)
        reach_the_limit(client, people)
        assert post_dm(client, people[LIMIT]).status_code == 429
        later = time.time() + 3601  # the counter's sliding hour reads this clock
        monkeypatch.setattr(signals_rules.time, "time", lambda: later)
        assert post_dm(client, people[LIMIT]).status_code == 201


@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_a_first_contact_past_the_limit_with_an_error_frame():
    db = sync_to_async
    newcomer = await db(UserFactory)()
    people = await db(strangers)(LIMIT + 1)
    ws = await connect(newcomer)
    for person in people[:LIMIT]:
        ack = await request(ws, {"type": "dm.send", "to": person.pk, "message": "hi"})
        assert ack["type"] == "ack"
    error = await request(ws, {"type": "dm.send", "to": people[LIMIT].pk, "message": "hi"})
    assert (error["type"], error["code"]) == ("error", "first_contact_limit")
    assert "per hour" in error["detail"]
    assert not await db(PrivateMessage.objects.filter(recipient=people[LIMIT]).exists)()
    await ws.disconnect()


@pytest.mark.django_db
def test_the_page_composer_shows_the_first_contact_refusal_with_429(make_client):
    newcomer = UserFactory()
    people = strangers(LIMIT + 1)
    reach_the_limit(make_client(newcomer), people)
    page = page_client_for(newcomer)
    response = page.post(f"/dms/{people[LIMIT].pk}/send/", {"message": "hi"})
    assert response.status_code == 429
    assert "start conversations with at most 3 people per hour" in response.content.decode()
    assert not PrivateMessage.objects.filter(recipient=people[LIMIT]).exists()


@pytest.mark.django_db
def test_a_dm_send_counts_its_signals_and_first_contacts_in_one_round_trip(
    make_client, monkeypatch
):
    """The hot path: one script call per send (Redis), or one pass over the local cache."""
    calls = []
    client = hotcache.redis_client()
    if client is None:
        counted = signals_rules._count_in_cache
        monkeypatch.setattr(
            signals_rules, "_count_in_cache", lambda *a: calls.append("cache") or counted(*a)
        )
    else:
        command = client.execute_command
        monkeypatch.setattr(
            client, "execute_command", lambda *a, **k: calls.append(a[0]) or command(*a, **k)
        )
    sender = make_client(UserFactory())
    assert post_dm(sender, UserFactory(), "hello").status_code == 201
    assert [call for call in calls if call in ("EVAL", "cache")] == [calls[0]]
