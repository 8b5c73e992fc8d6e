"""``waypoint copy``: move a deployment's SQLite file onto an empty PostgreSQL database.

- One consistent read: every table of the source is read inside ONE read transaction, so a
  server still running on the file cannot make the copy half old, half new.
- The target gets its migrations first, and is refused unless every table to fill is empty.
- Every table of the source is copied (the guide index is rebuilt at start-up, so it is not),
  in one target transaction; each table's row count and checksum are then read back from the
  target and must equal the source's, or the transaction is rolled back and nothing is left.
- The checksum is a SHA-256 over the rows in a canonical form (values typed as the engines
  return them, rows sorted), so it does not depend on either engine's row order or collation.
- Afterwards each user's change counter starts above every copied change number, so devices
  that synced against the SQLite server carry on from where they were; new accounts get ids
  above the copied ones.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import msgspec
import psycopg

from api.store import engine, keys, records
from api.store.pg import PgConnection, connect, run_migrations

NOT_COPIED = ("guide_search", "schema_migrations")  # rebuilt or kept by each engine itself
FIRST = ("users",)  # the tables others reference


class CopyRefused(Exception):
    """The copy cannot be made as asked; the message says why and what to do."""


def _canonical(value: Any) -> Any:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return ["b", value.hex()]
    if isinstance(value, bool):
        return int(value)
    return value


def checksum(rows: Iterable[Sequence[Any]]) -> str:
    encoded = sorted(msgspec.json.encode([_canonical(v) for v in row]) for row in rows)
    digest = hashlib.sha256()
    for each in encoded:
        digest.update(each + b"\n")
    return digest.hexdigest()[:16]


def _source_tables(conn: sqlite3.Connection) -> list[tuple[str, list[str]]]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
        )
        if not row[0].startswith(NOT_COPIED)
    ]
    names.sort(key=lambda name: (name not in FIRST, name))
    return [
        (name, [col[1] for col in conn.execute(f"PRAGMA table_info({name})")]) for name in names
    ]


def read_source(path: str) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and rows, read in one transaction (one snapshot)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")
        tables = [
            (name, columns, conn.execute(f"SELECT * FROM {name}").fetchall())  # noqa: S608
            for name, columns in _source_tables(conn)
        ]
        conn.execute("COMMIT")
        return tables
    finally:
        conn.close()


def _write(
    conn: psycopg.Connection[Any], tables: list[tuple[str, list[str], list[tuple[Any, ...]]]]
) -> list[tuple[str, int, str]]:
    target_columns: dict[str, set[str]] = {}
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    ):
        target_columns.setdefault(table, set()).add(column)
    for name, columns, _ in tables:
        missing = set(columns) - target_columns.get(name, set())
        if missing:
            raise CopyRefused(
                f"The target has no {name} table or lacks its columns {sorted(missing)}: "
                "is this Waypoint's PostgreSQL schema at the same version as the file?"
            )
        row = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {name})").fetchone()  # noqa: S608
        if row and row[0]:
            raise CopyRefused(
                f"The target's {name} table is not empty: copy only into a new, empty database."
            )
    report = []
    for name, columns, rows in tables:
        listed = ", ".join(columns)
        with conn.cursor() as cursor, cursor.copy(f"COPY {name} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        back = conn.execute(f"SELECT {listed} FROM {name}").fetchall()  # noqa: S608
        expected = checksum(rows)
        if len(back) != len(rows) or checksum(back) != expected:
            raise CopyRefused(f"{name}: the copy read back differs from the source; nothing kept.")
        report.append((name, len(rows), expected))
    conn.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), MAX(id)) FROM users")
    # Store functions are typed for sqlite3's connection; PgConnection stands in for it.
    records.continue_numbering(cast(sqlite3.Connection, PgConnection(conn)))
    return report


def copy_database(source_url: str, target_url: str) -> list[tuple[str, int, str]]:
    """Copy; returns (table, rows, checksum) per table. Raises ``CopyRefused``."""
    source = engine.sqlite_path(source_url)
    if source is None or engine.is_postgres_url(target_url) is False:
        raise CopyRefused("Copy from a sqlite:///file to a postgresql://... database.")
    if not source.exists():
        raise CopyRefused(f"There is no SQLite file at {source}.")
    tables = read_source(str(source))
    wrapped = read_key_store(source)
    run_migrations(target_url)
    with connect(target_url) as conn, conn.transaction():
        report = _write(conn, tables)
        return [*report, _write_keys(conn, wrapped)]


KEY_COLUMNS = "key_id, wrapped, created_at"


def read_key_store(source: Path) -> list[tuple[Any, ...]]:
    """The wrapped data keys of the file's key store (``<file>.keys``), if it has one. They are
    still wrapped by the deployment's key file, which the PostgreSQL servers must then use."""
    store = keys.key_store_path(source)
    if not store.exists():
        return []
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT {KEY_COLUMNS} FROM data_keys").fetchall()  # noqa: S608
    except sqlite3.OperationalError:  # a key store made before any key
        return []
    finally:
        conn.close()


def _write_keys(
    conn: psycopg.Connection[Any], wrapped: list[tuple[Any, ...]]
) -> tuple[str, int, str]:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM keystore.data_keys)").fetchone()
    if row and row[0]:
        raise CopyRefused("The target's keystore.data_keys is not empty: copy into a new database.")
    with (
        conn.cursor() as cursor,
        cursor.copy(f"COPY keystore.data_keys ({KEY_COLUMNS}) FROM STDIN") as copy,
    ):
        for each in wrapped:
            copy.write_row(each)
    back = conn.execute(f"SELECT {KEY_COLUMNS} FROM keystore.data_keys").fetchall()  # noqa: S608
    if len(back) != len(wrapped) or checksum(back) != checksum(wrapped):
        raise CopyRefused("keystore.data_keys: the copy read back differs; nothing kept.")
    return "keystore.data_keys", len(wrapped), checksum(wrapped)
