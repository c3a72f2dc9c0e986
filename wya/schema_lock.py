"""Compare the live PostgreSQL schema with the machine-readable Alpha lock.

``docs/alpha-schema-lock.json`` is a hand-written copy of shared/seeds/alpha-schema-lock.md.
``differences(connection, lock)`` returns one human-readable line per difference: a missing or
unexpected table or column, a type/length/nullability/default change, a primary key, foreign key
(including its ON DELETE rule), CHECK constraint, unique constraint or named index that is not as
written. ``manage.py check_schema_lock`` prints them and exits non-zero when there are any.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

LOCK_PATH = Path(settings.BASE_DIR) / "docs" / "alpha-schema-lock.json"

DELETE_RULES = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def load_lock(path: Path = LOCK_PATH) -> dict:
    return json.loads(path.read_text())


@dataclass
class Column:
    type: str
    nullable: bool
    default: str | None


@dataclass
class TableState:
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: dict[str, dict] = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)
    indexes: dict[str, list[str]] = field(default_factory=dict)
    unique: list[list[str]] = field(default_factory=list)


def _normalise_default(default: str | None) -> str | None:
    if default is None:
        return None
    return re.sub(r"::[a-z ]+(\(\d+(,\d+)?\))?(\[\])?", "", default).strip()


def _column_type(row: tuple) -> str:
    _name, data_type, char_len, num_prec, num_scale, _nullable, default = row
    if data_type == "character varying":
        return f"varchar({char_len})" if char_len else "varchar"
    if data_type == "integer" and default and default.startswith("nextval("):
        return "serial"
    if data_type == "numeric":
        return f"numeric({num_prec},{num_scale})"
    return {
        "timestamp without time zone": "timestamp",
        "timestamp with time zone": "timestamptz",
    }.get(data_type, data_type)


def _check_shape(definition: str) -> dict:
    """``CHECK (((status)::text = ANY (ARRAY['a'::…, …])))`` → column and allowed values."""
    column = re.search(r"\(*\"?([a-z_][a-z0-9_]*)\"?\)?(::\w+)?\s*(=|IN\b)", definition, re.I)
    values = re.findall(r"'((?:[^']|'')*)'", definition)
    return {"column": column.group(1) if column else None, "values": sorted(values)}


_COLUMNS_SQL = """
    SELECT column_name, data_type, character_maximum_length, numeric_precision,
           numeric_scale, is_nullable, column_default
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = %s
"""
_PRIMARY_KEY_SQL = """
    SELECT a.attname FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = %s::regclass AND i.indisprimary
    ORDER BY array_position(i.indkey::int2[], a.attnum)
"""
_FOREIGN_KEYS_SQL = """
    SELECT a.attname, ref.relname, ra.attname, con.confdeltype
    FROM pg_constraint con
    JOIN pg_class ref ON ref.oid = con.confrelid
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
    JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
    WHERE con.contype = 'f' AND con.conrelid = %s::regclass
"""
_CHECKS_SQL = (
    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'c' AND conrelid = %s::regclass"
)
_INDEXES_SQL = """
    SELECT ic.relname, x.indisunique, array_agg(a.attname ORDER BY k.ord)
    FROM pg_index x
    JOIN pg_class ic ON ic.oid = x.indexrelid
    CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
    WHERE x.indrelid = %s::regclass
    GROUP BY ic.relname, x.indisunique
"""


def _rows(cursor, sql: str, table: str) -> list:
    cursor.execute(sql, [table])
    return cursor.fetchall()


def introspect(connection, table: str) -> TableState | None:
    """The table as PostgreSQL has it (None if it does not exist)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:
            return None
        state = TableState()
        for row in _rows(cursor, _COLUMNS_SQL, table):
            default = row[6]
            normalised = (
                None if (default or "").startswith("nextval(") else _normalise_default(default)
            )
            state.columns[row[0]] = Column(_column_type(row), row[5] == "YES", normalised)
        state.primary_key = [r[0] for r in _rows(cursor, _PRIMARY_KEY_SQL, table)]
        for column, ref_table, ref_column, rule in _rows(cursor, _FOREIGN_KEYS_SQL, table):
            state.foreign_keys[column] = {
                "references": f"{ref_table}.{ref_column}",
                "on_delete": DELETE_RULES.get(rule, rule),
            }
        state.checks = [_check_shape(r[0]) for r in _rows(cursor, _CHECKS_SQL, table)]
        for name, is_unique, columns in _rows(cursor, _INDEXES_SQL, table):
            state.indexes[name] = list(columns)
            if is_unique:
                state.unique.append(list(columns))
    return state


def compare_table(table: str, spec: dict, state: TableState | None) -> list[str]:
    if state is None:
        return [f"{table}: table is missing"]
    return [
        *_compare_columns(table, spec, state),
        *_compare_keys(table, spec, state),
        *_compare_checks_and_indexes(table, spec, state),
    ]


def _compare_columns(table: str, spec: dict, state: TableState) -> list[str]:
    diffs: list[str] = []
    for name, want in spec["columns"].items():
        have = state.columns.get(name)
        where = f"{table}.{name}"
        if have is None:
            diffs.append(f"{where}: column is missing")
            continue
        if have.type != want["type"]:
            diffs.append(f"{where}: type is {have.type}, lock says {want['type']}")
        if have.nullable != want["nullable"]:
            said = "NULL" if want["nullable"] else "NOT NULL"
            diffs.append(f"{where}: is {'NULL' if have.nullable else 'NOT NULL'}, lock says {said}")
        if have.default != want["default"]:
            diffs.append(f"{where}: default is {have.default}, lock says {want['default']}")
    allowed = set(spec["columns"]) | set(spec.get("extra_columns", []))
    for name in sorted(set(state.columns) - allowed):
        diffs.append(f"{table}.{name}: column is not in the lock")
    return diffs


def _compare_keys(table: str, spec: dict, state: TableState) -> list[str]:
    diffs: list[str] = []
    if state.primary_key != spec["primary_key"]:
        diffs.append(
            f"{table}: primary key is {state.primary_key}, lock says {spec['primary_key']}"
        )
    for column, want in spec["foreign_keys"].items():
        key = state.foreign_keys.get(column)
        if key is None:
            diffs.append(f"{table}.{column}: foreign key to {want['references']} is missing")
            continue
        if key["references"] != want["references"]:
            diffs.append(
                f"{table}.{column}: references {key['references']}, lock says {want['references']}"
            )
        if key["on_delete"] != want["on_delete"]:
            diffs.append(
                f"{table}.{column}: ON DELETE {key['on_delete']}, lock says ON DELETE {want['on_delete']}"
            )
    return diffs


def _compare_checks_and_indexes(table: str, spec: dict, state: TableState) -> list[str]:
    diffs: list[str] = []
    for want in spec["checks"]:
        shape = {"column": want["column"], "values": sorted(want["values"])}
        if shape not in state.checks:
            values = ", ".join(want["values"])
            diffs.append(
                f"{table}.{want['column']}: CHECK ({want['column']} IN ({values})) is missing"
            )
    for kind in ("indexes", "project_indexes"):
        for name, columns in spec.get(kind, {}).items():
            index_columns = state.indexes.get(name)
            if index_columns is None:
                diffs.append(f"{table}: index {name} is missing")
            elif index_columns != columns:
                diffs.append(f"{table}: index {name} is on {index_columns}, lock says {columns}")
    for columns in spec.get("unique", []):
        if columns not in state.unique:
            diffs.append(f"{table}: unique constraint on {columns} is missing")
    return diffs


def differences(connection, lock: dict | None = None) -> list[str]:
    lock = lock or load_lock()
    diffs: list[str] = []
    for table, spec in lock["tables"].items():
        diffs.extend(compare_table(table, spec, introspect(connection, table)))
    return diffs
