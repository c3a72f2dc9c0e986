"""Database field types that make Django produce exactly what the Alpha schema lock writes.

- ``SerialField``: the lock's ``id SERIAL`` (Django would otherwise create an IDENTITY column).
- ``TimestampField``: the lock's plain ``TIMESTAMP`` (without time zone). Values are stored as UTC
  and come back as aware UTC datetimes, so code never sees the difference.
- ``DbNow``: the lock's ``DEFAULT NOW()`` (Django's ``Now()`` renders STATEMENT_TIMESTAMP()).
- ``date_from_db`` / ``datetime_from_db``: values read by hand-written hot-path queries.
"""

import datetime as dt
from typing import TypeVar

from django.db import connection, models
from django.utils import timezone


class SerialField(models.AutoField):
    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "serial"
        return super().db_type(connection)

    def db_type_suffix(self, connection):
        if connection.vendor == "postgresql":
            return None
        return super().db_type_suffix(connection)


class TimestampField(models.DateTimeField):
    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "timestamp"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if (
            connection.vendor == "postgresql"
            and isinstance(value, dt.datetime)
            and timezone.is_aware(value)
        ):
            value = timezone.make_naive(value, dt.UTC)
        return value

    def from_db_value(self, value, expression, connection):
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            return timezone.make_aware(value, dt.UTC)
        return value


class DbNow(models.Func):
    """``NOW()`` as a database default (CURRENT_TIMESTAMP where NOW() does not exist)."""

    template = "CURRENT_TIMESTAMP"
    output_field = models.DateTimeField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="NOW()", **extra_context)


# --- Values of hand-written queries (``connection.cursor()`` applies no field converters) --------
def date_from_db(value) -> dt.date:
    """A DATE column: a ``date`` on PostgreSQL, ISO text on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def datetime_from_db(value) -> dt.datetime | None:
    """A TIMESTAMP column as an aware UTC datetime (naive values are UTC; SQLite gives text)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(value)
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


_INSERT_SQL: dict[tuple, str] = {}
M = TypeVar("M", bound=models.Model)


def insert_one(model: type[M], **values) -> M:
    """Save ONE new row by a hand-written ``INSERT ... RETURNING id`` and return it as an
    instance: what ``Model.objects.create`` does for a plain model (no parents, no signals are
    used by this project), at a third of its CPU; for the hot paths (every message). Values go
    through each field's ``get_db_prep_save``, as with the ORM; defaults are not applied."""
    fields = [_concrete_field(model, name) for name in values]
    key = (model, tuple(values))
    sql = _INSERT_SQL.get(key)
    if sql is None:
        columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        sql = _INSERT_SQL[key] = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (new_id,) = cursor.fetchone()
    instance = model(id=new_id, **values)
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    """A column of ``model`` by field name or attname (``room`` or ``room_id``)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def new_uuid_str() -> str:
    import uuid

    return str(uuid.uuid4())


def database_cascade(table: str, column: str, ref_table: str, ref_column: str = "id"):
    """A migration operation that makes a foreign key ``ON DELETE CASCADE`` in the database.

    Django emulates cascades in Python; the schema lock wants the database itself to cascade
    (so a row deleted by SQL, or by another program, takes its dependants with it). The
    constraint keeps Django's name and deferrability; only the delete rule changes.
    """
    from django.db import migrations

    def _set_rule(rule: str):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return  # SQLite: Django's emulation is all there is in the embedded mode
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT con.conname
                    FROM pg_constraint con
                    JOIN pg_class rel ON rel.oid = con.conrelid
                    JOIN pg_attribute att ON att.attrelid = con.conrelid
                        AND att.attnum = ANY (con.conkey)
                    WHERE con.contype = 'f' AND rel.relname = %s AND att.attname = %s
                    """,
                    [table, column],
                )
                (name,) = cursor.fetchone()
                qn = schema_editor.quote_name
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                cursor.execute(
                    f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} FOREIGN KEY ({qn(column)}) "
                    f"REFERENCES {qn(ref_table)} ({qn(ref_column)}) {rule} "
                    "DEFERRABLE INITIALLY DEFERRED"
                )

        return apply

    return migrations.RunPython(_set_rule("ON DELETE CASCADE"), _set_rule("ON DELETE NO ACTION"))
