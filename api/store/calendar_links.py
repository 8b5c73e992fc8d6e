"""Calendar links' SQL (the ``calendar_links`` table) and the treatments a feed reads."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import msgspec

from api.domain.calendar_feed import COLUMNS, Row, Session, feed_since
from api.domain.kinds import TREATMENT
from api.store import records
from api.store.keys import Keyring

MAX_EVENTS = 1000  # the newest; a feed past that is a calendar nobody reads


def insert_link(conn: sqlite3.Connection, row: Row, digest: bytes) -> None:
    conn.execute(
        f"INSERT INTO calendar_links ({COLUMNS}, token_hash) VALUES ({', '.join('?' * 10)})",  # noqa: S608
        (*row, digest),
    )


def links_of(conn: sqlite3.Connection, user_id: int) -> list[Row]:
    found = conn.execute(
        f"SELECT {COLUMNS} FROM calendar_links WHERE user_id = ? ORDER BY created_at DESC, id",  # noqa: S608
        (user_id,),
    ).fetchall()
    return [Row(*each) for each in found]


def revoke(conn: sqlite3.Connection, user_id: int, link_id: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE calendar_links SET revoked_at = COALESCE(revoked_at, ?) "
        "WHERE id = ? AND user_id = ?",
        (now, link_id, user_id),
    )
    return cursor.rowcount > 0


def link_by_token(conn: sqlite3.Connection, digest: bytes) -> Row | None:
    found = conn.execute(
        f"SELECT {COLUMNS} FROM calendar_links WHERE token_hash = ?",  # noqa: S608
        (digest,),
    ).fetchone()
    return Row(*found) if found else None


def count_open(conn: sqlite3.Connection, link_id: str, now: str) -> None:
    conn.execute(
        "UPDATE calendar_links SET opens = opens + 1, last_opened_at = ? WHERE id = ?",
        (now, link_id),
    )


class _Treatment(msgspec.Struct):
    """The only treatment fields a feed reads (decoding ignores the rest)."""

    at: datetime
    kind: str
    status: str
    clinic: str | None = None


def sessions_of(
    conn: sqlite3.Connection, keys: Keyring, user_id: int, now: datetime
) -> list[Session]:
    found = records.rows_between(
        conn, keys, user_id, TREATMENT.name, feed_since(now), date.max.isoformat(), MAX_EVENTS
    )
    sessions = []
    for row in found:
        assert row.data is not None  # live rows only
        each = msgspec.json.decode(row.data, type=_Treatment)
        sessions.append(Session(row.id, each.at, each.kind, each.status, each.clinic))
    return sessions
