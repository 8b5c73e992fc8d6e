"""Versioned records: the one mechanism behind entries, treatments and assessments.

- The client makes the id (a UUID), so a retried PUT can never create a duplicate.
- ``PUT`` creates (201) or replaces (200). A body may name ``base_version``: if the server's copy
  has moved on, the write is refused with 409 and the server's copy. A PUT whose content equals
  the stored content is a replay: it changes nothing and answers with the stored record.
- ``DELETE`` leaves a tombstone (no data, a new version), so other devices learn of it; a
  tombstoned id stays deleted — a later PUT gets 409 with ``deleted: true``.
- Every change takes the next server sequence number (``seq``); ``/api/changes?since=N`` lists a
  user's changes after N in order. Writes are serialised by the single writer, so a change with a
  higher seq can never become visible before one with a lower seq: paging never skips.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, NamedTuple, TypeVar
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.crisis import Crisis
from api.db import Database
from api.errors import Conflict, field_error, not_found
from api.services import Services
from api.sessions import Clock, User

OutT = TypeVar("OutT", bound=msgspec.Struct)
ENCODER = msgspec.json.Encoder()
LIST_LIMIT_DEFAULT = 1000
LIST_LIMIT_MAX = 5000
# Versions and sequence numbers stay below 2**53, the largest integer a JavaScript client holds
# exactly (and far inside SQLite's 64-bit INTEGER).
MAX_COUNTER = 2**53 - 1

BaseVersion = Annotated[
    int,
    msgspec.Meta(
        ge=0, le=MAX_COUNTER, description="The version this edit is based on; a stale one gets 409."
    ),
]
DeleteVersion = Annotated[int | None, QueryParameter(name="base_version", ge=0, le=MAX_COUNTER)]
Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=LIST_LIMIT_MAX)]
StartDay = Annotated[date | None, QueryParameter(name="from", description="First day, inclusive")]
EndDay = Annotated[date | None, QueryParameter(name="to", description="Last day, inclusive")]


class Prepared(NamedTuple):
    """What a kind makes of a validated PUT body before it is stored."""

    stored: msgspec.Struct  # the fields to keep (encoded as the record's data)
    day: str  # the local calendar day the record belongs to, for date ranges
    flagged: bool  # a safety flag (lowest mood, PHQ-9 item 9 above 0)


@dataclass(frozen=True)
class Kind(Generic[OutT]):
    name: Literal["entry", "treatment", "assessment"]
    label: str
    out_type: type[OutT]
    prepare: Callable[[Any, User, datetime], Prepared]


KINDS: dict[str, Kind[Any]] = {}


def register(kind: Kind[OutT]) -> Kind[OutT]:
    KINDS[kind.name] = kind
    return kind


class Tombstone(msgspec.Struct, kw_only=True):
    id: str
    version: int
    deleted: bool = True


class Row(NamedTuple):
    id: str
    version: int
    updated_at: str
    flagged: int
    deleted: int
    data: bytes | None
    seq: int


ROW_COLUMNS = "id, version, updated_at, flagged, deleted, data, seq"


# --- SQL (run on the database thread) ------------------------------------------------------


class NotYours(Exception):
    """The id belongs to another user's record: answered exactly like a missing record."""


def _row(conn: sqlite3.Connection, user_id: int, kind: str, record_id: str) -> Row | None:
    found = conn.execute(
        f"SELECT {ROW_COLUMNS}, user_id FROM records WHERE kind = ? AND id = ?",  # noqa: S608
        (kind, record_id),
    ).fetchone()
    if found is None:
        return None
    if found[-1] != user_id:
        raise NotYours
    return Row(*found[:-1])


def _next_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records").fetchone()[0])


def put_row(
    conn: sqlite3.Connection,
    user_id: int,
    kind: str,
    record_id: str,
    base_version: int | None,
    data: bytes,
    day: str,
    flagged: bool,
    now: str,
) -> tuple[bool, Row]:
    """Create or replace; returns (created, stored row). Raises Conflict."""
    current = _row(conn, user_id, kind, record_id)
    seq = _next_seq(conn)
    if current is None:
        conn.execute(
            "INSERT INTO records (user_id, kind, id, version, seq, day, flagged, deleted, "
            "updated_at, data) VALUES (?, ?, ?, 1, ?, ?, ?, 0, ?, ?)",
            (user_id, kind, record_id, seq, day, flagged, now, data),
        )
        return True, Row(record_id, 1, now, flagged, 0, data, seq)
    if current.deleted:
        raise Conflict(current)
    if current.data == data:
        return False, current  # a replay of a write already applied
    if base_version is not None and base_version != current.version:
        raise Conflict(current)
    version = current.version + 1
    conn.execute(
        "UPDATE records SET version = ?, seq = ?, day = ?, flagged = ?, updated_at = ?, data = ? "
        "WHERE kind = ? AND id = ?",
        (version, seq, day, flagged, now, data, kind, record_id),
    )
    return False, Row(record_id, version, now, flagged, 0, data, seq)


def delete_row(
    conn: sqlite3.Connection,
    user_id: int,
    kind: str,
    record_id: str,
    base_version: int | None,
    now: str,
) -> bool:
    """Tombstone a record; False if this user has no such record. Deleting twice is fine."""
    current = _row(conn, user_id, kind, record_id)
    if current is None:
        return False
    if current.deleted:
        return True
    if base_version is not None and base_version != current.version:
        raise Conflict(current)
    conn.execute(
        "UPDATE records SET version = version + 1, seq = ?, day = NULL, flagged = 0, deleted = 1, "
        "updated_at = ?, data = NULL WHERE kind = ? AND id = ?",
        (_next_seq(conn), now, kind, record_id),
    )
    return True


def live_row(conn: sqlite3.Connection, user_id: int, kind: str, record_id: str) -> Row | None:
    try:
        row = _row(conn, user_id, kind, record_id)
    except NotYours:
        return None
    return row if row and not row.deleted else None


def rows_between(
    conn: sqlite3.Connection, user_id: int, kind: str, start: str, end: str, limit: int
) -> list[Row]:
    """Live records with start <= day <= end: the latest ``limit`` of them, oldest first."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM records WHERE user_id = ? AND kind = ? AND deleted = 0 "  # noqa: S608
        "AND day BETWEEN ? AND ? ORDER BY day DESC, seq DESC LIMIT ?",
        (user_id, kind, start, end, limit),
    ).fetchall()
    return [Row(*r) for r in reversed(found)]


def rows_after(
    conn: sqlite3.Connection, user_id: int, kind: str, start: str, limit: int
) -> list[Row]:
    """Live records with day >= start: the EARLIEST ``limit`` of them, oldest first."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM records WHERE user_id = ? AND kind = ? AND deleted = 0 "  # noqa: S608
        "AND day >= ? ORDER BY day, seq LIMIT ?",
        (user_id, kind, start, limit),
    ).fetchall()
    return [Row(*r) for r in found]


def data_between(conn: sqlite3.Connection, user_id: int, kind: str, start: str, end: str) -> bytes:
    """All live records of a kind in a day range as ONE JSON array (decoded in a single call)."""
    found = conn.execute(
        "SELECT '[' || COALESCE(group_concat(data, ','), '') || ']' FROM ("
        "SELECT data FROM records WHERE user_id = ? AND kind = ? AND deleted = 0 "
        "AND day BETWEEN ? AND ? ORDER BY day)",
        (user_id, kind, start, end),
    ).fetchone()
    return bytes(found[0], "utf-8") if isinstance(found[0], str) else bytes(found[0])


def changes_after(conn: sqlite3.Connection, user_id: int, since: int, limit: int) -> list[Any]:
    return conn.execute(
        "SELECT seq, kind, id, version, updated_at, flagged, deleted, data FROM records "
        "WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        (user_id, since, limit),
    ).fetchall()


# --- shaping ---------------------------------------------------------------------------------


def to_out(kind: Kind[OutT], row: Row) -> OutT:
    assert row.data is not None
    out = msgspec.json.decode(row.data, type=kind.out_type)
    out.id = row.id  # type: ignore[attr-defined]
    out.version = row.version  # type: ignore[attr-defined]
    out.updated_at = row.updated_at  # type: ignore[attr-defined]
    out.flagged = bool(row.flagged)  # type: ignore[attr-defined]
    return out


def current_copy(kind: Kind[Any], row: Row) -> Any:
    return Tombstone(id=row.id, version=row.version) if row.deleted else to_out(kind, row)


def put_responses(out_type: type[msgspec.Struct]) -> dict[int, ResponseSpec]:
    """OpenAPI for a PUT beyond its 200: created (201) and the version conflict (409)."""
    return {
        201: ResponseSpec(out_type, description="Created"),
        409: ResponseSpec(
            dict[str, Any],
            description="The base_version is stale, or the record was deleted; `current` holds "
            "the server's copy",
            generate_examples=False,
        ),
    }


def day_range(start: date | None, end: date | None) -> tuple[str, str]:
    if start and end and start > end:
        raise field_error("to", "must be on or after 'from'.", source="query")
    return (start or date.min).isoformat(), (end or date.max).isoformat()


# --- the operations handlers call --------------------------------------------------------------


async def put(
    db: Database,
    kind: Kind[OutT],
    user: User,
    record_id: UUID,
    body: Any,
    clock: Clock,
    crisis: Crisis,
) -> Response[OutT]:
    now = clock()
    prepared = kind.prepare(body, user, now)
    data = ENCODER.encode(prepared.stored)
    try:
        created, row = await db.write(
            put_row,
            user.id,
            kind.name,
            str(record_id),
            body.base_version,
            data,
            prepared.day,
            prepared.flagged,
            now.isoformat(timespec="milliseconds"),
        )
    except Conflict as exc:
        raise Conflict(current_copy(kind, exc.current)) from None
    except NotYours:
        raise not_found(kind.label) from None
    out = to_out(kind, row)
    if row.flagged:
        out.crisis = crisis  # type: ignore[attr-defined]
    return Response(out, status_code=201 if created else 200)


async def fetch(db: Database, kind: Kind[OutT], user: User, record_id: UUID) -> OutT:
    row = await db.read(live_row, user.id, kind.name, str(record_id))
    if row is None:
        raise not_found(kind.label)
    return to_out(kind, row)


async def remove(
    db: Database,
    kind: Kind[Any],
    user: User,
    record_id: UUID,
    base_version: int | None,
    clock: Clock,
) -> None:
    try:
        found = await db.write(
            delete_row,
            user.id,
            kind.name,
            str(record_id),
            base_version,
            clock().isoformat(timespec="milliseconds"),
        )
    except Conflict as exc:
        raise Conflict(current_copy(kind, exc.current)) from None
    except NotYours:
        found = False
    if not found:
        raise not_found(kind.label)


async def between(
    db: Database, kind: Kind[OutT], user: User, start: date | None, end: date | None, limit: int
) -> list[OutT]:
    first, last = day_range(start, end)
    rows = await db.read(rows_between, user.id, kind.name, first, last, limit)
    return [to_out(kind, row) for row in rows]


# --- /api/changes ---------------------------------------------------------------------------


class Change(msgspec.Struct, kw_only=True):
    seq: int
    kind: str
    id: str
    version: int
    deleted: bool
    updated_at: str
    record: Any = None  # the record as GET returns it; null for a tombstone


class ChangePage(msgspec.Struct, kw_only=True):
    changes: list[Change]
    next: int  # pass as ?since= to continue
    more: bool


class ChangesController(Controller):
    path = "/api/changes"
    tags = ["sync"]

    @get("/", summary="Everything that changed after a sequence number, tombstones included")
    async def list_changes(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        since: Annotated[int, QueryParameter(name="since", ge=0, le=MAX_COUNTER)] = 0,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=1000)] = 500,
    ) -> ChangePage:
        rows = await services.db.read(changes_after, user.id, since, limit + 1)
        more = len(rows) > limit
        changes = []
        for seq, kind, record_id, version, updated_at, flagged, deleted, data in rows[:limit]:
            row = Row(record_id, version, updated_at, flagged, deleted, data, seq)
            changes.append(
                Change(
                    seq=seq,
                    kind=kind,
                    id=record_id,
                    version=version,
                    deleted=bool(deleted),
                    updated_at=updated_at,
                    record=None if deleted else to_out(KINDS[kind], row),
                )
            )
        return ChangePage(changes=changes, next=changes[-1].seq if changes else since, more=more)
