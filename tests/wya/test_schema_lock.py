"""check_schema_lock: clean on the migrated database, loud and precise after any drift."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from wya.schema_lock import differences, load_lock

pytestmark = pytest.mark.postgres


def run_check() -> tuple[str, CommandError | None]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_schema_lock", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def alter(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_freshly_migrated_database_matches_the_lock(on_postgres):
    output, error = run_check()
    assert error is None, output
    assert "11 tables checked" in output


def test_lock_copy_names_all_eleven_tables():
    assert set(load_lock()["tables"]) == {
        "auth_users", "user_profiles", "chat_rooms", "chat_room_members", "chat_room_messages",
        "private_messages", "presence", "reports", "blocks", "moderation_actions", "locations",
    }  # fmt: skip


def test_a_widened_column_is_named(on_postgres):
    alter("ALTER TABLE user_profiles ALTER COLUMN display_name TYPE varchar(80)")
    output, error = run_check()
    assert error is not None
    assert "user_profiles.display_name: type is varchar(80), lock says varchar(50)" in output


def test_a_dropped_index_is_named(on_postgres):
    alter("DROP INDEX idx_presence_status")
    output, error = run_check()
    assert error is not None
    assert "presence: index idx_presence_status is missing" in output


def test_a_removed_cascade_is_named(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = 'locations'::regclass"
        )
        (name,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE locations DROP CONSTRAINT "{name}"')
        cursor.execute(
            f'ALTER TABLE locations ADD CONSTRAINT "{name}" FOREIGN KEY (user_id) '
            "REFERENCES auth_users (id)"
        )
    output, error = run_check()
    assert error is not None
    assert "locations.user_id: ON DELETE NO ACTION, lock says ON DELETE CASCADE" in output


def test_a_lost_default_nullability_and_check_are_named(on_postgres):
    alter("ALTER TABLE reports ALTER COLUMN status DROP DEFAULT")
    alter("ALTER TABLE chat_rooms ALTER COLUMN room_name DROP NOT NULL")
    alter("ALTER TABLE presence DROP CONSTRAINT presence_status_check")
    lines = differences(connection)
    assert "reports.status: default is None, lock says 'pending'" in lines
    assert "chat_rooms.room_name: is NULL, lock says NOT NULL" in lines
    assert "presence.status: CHECK (status IN (online, away, offline)) is missing" in lines


def test_a_renamed_column_and_a_dropped_table_are_named(on_postgres):
    alter("ALTER TABLE chat_room_messages RENAME COLUMN media_url TO attachment_url")
    alter("DROP TABLE blocks")
    lines = differences(connection)
    assert "chat_room_messages.media_url: column is missing" in lines
    assert "chat_room_messages.attachment_url: column is not in the lock" in lines
    assert "blocks: table is missing" in lines


def test_a_changed_primary_key_is_named(on_postgres):
    alter("ALTER TABLE blocks DROP CONSTRAINT blocks_pkey")
    alter("ALTER TABLE blocks ADD PRIMARY KEY (blocked_id, blocker_id)")
    lines = differences(connection)
    assert (
        "blocks: primary key is ['blocked_id', 'blocker_id'], lock says ['blocker_id', 'blocked_id']"
        in lines
    )


def test_the_command_refuses_a_database_that_is_not_postgresql(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="compares PostgreSQL types"):
        call_command("check_schema_lock")
