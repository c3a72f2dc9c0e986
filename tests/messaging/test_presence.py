"""Presence: who sees whom (presence_visible_to, GET /api/presence/) and the expiry worker."""

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from messaging.management.commands.expire_presence import Command as ExpirePresence
from messaging.models import Presence
from messaging.selectors import presence_visible_to
from messaging.services import presence_expire_stale, presence_heartbeats
from tests.factories import BlockFactory, MemberFactory, RoomFactory, TeenFactory, UserFactory

pytestmark = pytest.mark.django_db


def online(user, **extra):
    return Presence.objects.create(user=user, status="online", activity="chatting", **extra)


def test_room_mates_see_each_others_presence(room, owner, member):
    online(owner, room=room)
    visible = presence_visible_to(member, [owner.pk])
    assert visible[owner.pk]["status"] == "online"
    assert visible[owner.pk]["activity"] == "chatting"
    assert visible[owner.pk]["room_id"] == room.pk


def test_people_without_a_shared_room_or_conversation_are_left_out(owner, outsider):
    online(owner)
    assert presence_visible_to(outsider, [owner.pk]) == {}


def test_a_conversation_both_wrote_in_is_enough_to_see_presence(adult, other_adult, make_client):
    online(other_adult)
    make_client(adult).post(f"/api/dms/{other_adult.pk}/messages/", {"message": "hi"})
    make_client(other_adult).post(f"/api/dms/{adult.pk}/messages/", {"message": "hello"})
    assert presence_visible_to(other_adult, [adult.pk])[adult.pk]["status"] == "offline"
    assert presence_visible_to(adult, [other_adult.pk])[other_adult.pk]["status"] == "online"


def test_a_block_either_way_hides_presence(room, owner, member):
    online(owner)
    BlockFactory(blocker=owner, blocked=member)
    assert presence_visible_to(member, [owner.pk]) == {}
    assert presence_visible_to(owner, [member.pk]) == {}


def test_other_age_segments_never_see_presence(room, owner):
    teen = TeenFactory()
    MemberFactory(room=room, user=teen)
    online(owner)
    assert presence_visible_to(teen, [owner.pk]) == {}


def test_a_stale_row_or_no_row_is_offline(room, owner, member):
    Presence.objects.create(
        user=owner,
        status="online",
        activity="chatting",
        room=room,
        last_seen_at=timezone.now() - dt.timedelta(hours=1),
    )
    state = presence_visible_to(member, [owner.pk, member.pk])
    assert state[owner.pk] == {
        "status": "offline",
        "activity": None,
        "room_id": None,
        "last_seen_at": state[owner.pk]["last_seen_at"],
    }
    assert state[member.pk]["status"] == "offline"


def test_room_id_is_hidden_unless_the_viewer_is_in_that_room_too(owner, member, room):
    private = RoomFactory(owner=owner, is_public=False)
    online(owner, room=private)
    assert presence_visible_to(member, [owner.pk])[owner.pk]["room_id"] is None


def test_last_seen_is_shown_between_adults_only():
    teen, other_teen, adult_a, adult_b = TeenFactory(), TeenFactory(), UserFactory(), UserFactory()
    teen_room = RoomFactory(owner=teen)
    MemberFactory(room=teen_room, user=other_teen)
    adult_room = RoomFactory(owner=adult_a)
    MemberFactory(room=adult_room, user=adult_b)
    for user in (teen, other_teen, adult_a, adult_b):
        online(user)
    assert presence_visible_to(other_teen, [teen.pk])[teen.pk]["last_seen_at"] is None
    assert presence_visible_to(teen, [teen.pk])[teen.pk]["last_seen_at"] is None
    assert presence_visible_to(adult_b, [adult_a.pk])[adult_a.pk]["last_seen_at"] is not None


def test_presence_visible_to_costs_the_same_for_many_ids(room, owner, django_assert_num_queries):
    members = [MemberFactory(room=room).user for _ in range(6)]
    for user in members:
        online(user, room=room)
    with django_assert_num_queries(2):  # the users with their presence rows; the viewer's rooms
        few = presence_visible_to(owner, [members[0].pk])
    with django_assert_num_queries(2):
        many = presence_visible_to(owner, [user.pk for user in members])
    assert len(few) == 1 and len(many) == 6


def test_presence_api_lists_visible_users_in_the_order_asked(
    room, owner, member, outsider, make_client
):
    online(owner, room=room)
    response = make_client(member).get(
        "/api/presence/", {"user_id": [owner.pk, outsider.pk, member.pk, "no-such-id"]}
    )
    assert response.status_code == 200
    assert [row["user_id"] for row in response.json()] == [owner.pk, member.pk]
    assert response.json()[0]["status"] == "online"
    assert response.json()[0]["room_id"] == room.pk


def test_presence_api_needs_credentials(anon_client):
    assert anon_client.get("/api/presence/").status_code == 401


def test_presence_api_refuses_too_many_ids(member, make_client):
    response = make_client(member).get("/api/presence/", {"user_id": [f"u{i}" for i in range(101)]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


# --- The expiry worker --------------------------------------------------------------------------
def test_expire_presence_marks_a_stale_row_offline(room, owner, member, settings):
    settings.PRESENCE_TIMEOUT_SECONDS = 90
    stale = timezone.now() - dt.timedelta(seconds=120)
    Presence.objects.create(user=owner, status="away", room=room, last_seen_at=stale)
    fresh = online(member)
    call_command("expire_presence")
    assert Presence.objects.get(user=owner).status == "offline"
    assert Presence.objects.get(user=owner).room_id is None
    fresh.refresh_from_db()
    assert fresh.status == "online"


def test_expire_presence_tells_those_who_may_see_the_user(
    room, owner, member, outsider, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("wya.live.publish_now", lambda group, event: sent.append((group, event)))
    Presence.objects.create(
        user=owner, status="online", last_seen_at=timezone.now() - dt.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert presence_expire_stale() == [owner.pk]
    groups = {group for group, event in sent if event["type"] == "presence"}
    assert f"user.{member.pk}" in groups
    assert f"user.{outsider.pk}" not in groups
    assert all(event["status"] == "offline" for _, event in sent)


def test_the_worker_loop_stops_when_asked(monkeypatch):
    command = ExpirePresence()
    passes = []

    def step():
        passes.append(1)
        command.stop()

    monkeypatch.setattr(command, "step", step)
    monkeypatch.setattr("signal.signal", lambda *args: None)
    command.handle(loop=True, interval=3600)
    assert passes == [1]


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_stops_cleanly_on_sigterm(tmp_path):
    from django.db import connection

    env = dict(os.environ)
    if connection.vendor == "postgresql":  # the worker reads the committed test database
        settings_dict = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
            f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
            f"{settings_dict['NAME']}"
        )
    else:  # the in-memory SQLite test database is out of reach: a pass fails, the loop goes on
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "expire_presence", "--loop", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert "running every" in first_line
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "stopped" in output


# --- Heartbeats, batched per socket process (messaging.heartbeats) --------------------------
def test_a_batch_of_heartbeats_refreshes_every_live_row_and_revives_offline_ones():
    stale = timezone.now() - dt.timedelta(seconds=60)
    live = [UserFactory() for _ in range(3)]
    for user in live:
        Presence.objects.create(user=user, status="online", last_seen_at=stale)
    revived = UserFactory()
    Presence.objects.create(user=revived, status="offline", last_seen_at=stale)
    without_row = UserFactory()
    presence_heartbeats(user_ids=[user.pk for user in live] + [revived.pk, without_row.pk])
    for user in live:
        assert Presence.objects.get(user=user).last_seen_at > stale
    assert Presence.objects.get(user=revived).status == "online"
    assert Presence.objects.get(user=without_row).status == "online"


def test_a_batch_of_heartbeats_costs_the_same_for_many_users(django_assert_num_queries):
    def live_users(count):
        users = [UserFactory() for _ in range(count)]
        for user in users:
            online(user)
        return [user.pk for user in users]

    few, many = live_users(2), live_users(40)
    # 1 the live rows among them, 2 one UPDATE of their last_seen_at (nobody to revive: the
    # empty lookup of users without a live row runs no query)
    with django_assert_num_queries(2):
        presence_heartbeats(user_ids=few)
    with django_assert_num_queries(2):
        presence_heartbeats(user_ids=many)
