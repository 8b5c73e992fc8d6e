"""Share links: their SQL (the ``shares`` table) and the schedule a family link shows."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import msgspec

from api.domain.kinds import TREATMENT
from api.domain.shares import COLUMNS, MAX_SCHEDULE, PLACEHOLDERS, Row, ScheduleItem
from api.store import records


def insert_share(conn: sqlite3.Connection, row: Row, digest: bytes) -> None:
    conn.execute(
        f"INSERT INTO shares ({COLUMNS}, token_hash) VALUES ({PLACEHOLDERS})",  # noqa: S608
        (*row, digest),
    )


def shares_of(conn: sqlite3.Connection, user_id: int) -> list[Row]:
    found = conn.execute(
        f"SELECT {COLUMNS} FROM shares WHERE user_id = ? ORDER BY created_at DESC, id",  # noqa: S608
        (user_id,),
    ).fetchall()
    return [Row(*each) for each in found]


def revoke(conn: sqlite3.Connection, user_id: int, share_id: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE shares SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?",
        (now, share_id, user_id),
    )
    return cursor.rowcount > 0


def share_by_token(conn: sqlite3.Connection, digest: bytes) -> Row | None:
    found = conn.execute(
        f"SELECT {COLUMNS} FROM shares WHERE token_hash = ?",  # noqa: S608
        (digest,),
    ).fetchone()
    return Row(*found) if found else None


def count_open(conn: sqlite3.Connection, share_id: str, now: str) -> None:
    conn.execute(
        "UPDATE shares SET opens = opens + 1, last_opened_at = ? WHERE id = ?", (now, share_id)
    )


class _Planned(msgspec.Struct):
    """The only treatment fields a family link reads (decoding ignores the rest)."""

    at: datetime
    kind: str
    status: str


def upcoming_schedule(conn: sqlite3.Connection, user_id: int, now: datetime) -> list[ScheduleItem]:
    # Days are stored in the owner's zone; starting a day early covers every UTC offset.
    since = (now - timedelta(days=1)).date().isoformat()
    data = records.data_between(conn, user_id, TREATMENT.name, since, date.max.isoformat())
    planned = msgspec.json.decode(data, type=list[_Planned])
    upcoming = sorted(
        (each for each in planned if each.status == "planned" and each.at >= now),
        key=lambda each: each.at,
    )
    return [ScheduleItem(at=each.at, kind=each.kind) for each in upcoming[:MAX_SCHEDULE]]
