"""The database itself carries the lock's defaults and cascades, not just Django."""

import pytest
from django.db import connection

from accounts.models import User
from tests.factories import BlockFactory, UserFactory


def fetch_one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_database_defaults_fill_columns_an_insert_leaves_out(owner):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO chat_rooms (room_name, owner_id, created_at, updated_at) "
            "VALUES ('raw', %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            [owner.pk],
        )
    is_public, colour, max_participants = fetch_one(
        "SELECT is_public, background_color, max_participants FROM chat_rooms WHERE room_name='raw'"
    )
    assert bool(is_public) is True
    assert colour == "#1A1A1E"
    assert max_participants == 50


def test_report_status_defaults_to_pending_in_the_database(adult):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports (reporter_id, report_type) VALUES (%s, 'spam')", [adult.pk]
        )
    status, created_at = fetch_one("SELECT status, created_at FROM reports")
    assert status == "pending"
    assert created_at is not None


def test_orm_objects_see_database_defaults_after_save(owner):
    from rooms.models import ChatRoom

    room = ChatRoom.objects.create(room_name="Defaults", owner=owner)
    room.refresh_from_db()
    assert room.background_color == "#1A1A1E"
    assert room.max_participants == 50
    assert room.created_at.tzinfo is not None


@pytest.mark.postgres
def test_deleting_a_user_in_sql_cascades_to_blocks_presence_and_location(on_postgres):
    from geo.models import Location
    from messaging.models import Presence

    gone, stays = UserFactory(), UserFactory()
    BlockFactory(blocker=gone, blocked=stays)
    BlockFactory(blocker=stays, blocked=gone)
    Presence.objects.create(user=gone, status="online")
    Location.objects.create(user=gone, city_hash="a" * 64)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM user_profiles WHERE user_id = %s", [gone.pk])
        cursor.execute("DELETE FROM auth_users WHERE id = %s", [gone.pk])
    assert fetch_one("SELECT count(*) FROM blocks")[0] == 0
    assert fetch_one("SELECT count(*) FROM presence")[0] == 0
    assert fetch_one("SELECT count(*) FROM locations")[0] == 0
    assert User.objects.filter(pk=stays.pk).exists()


def test_user_ids_are_uuid_strings(adult):
    import uuid

    assert str(uuid.UUID(adult.pk)) == adult.pk
