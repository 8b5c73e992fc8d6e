"""Versioned records: the one mechanism behind entries, treatments and assessments, and the only
module that writes the ``records`` table (``trend_reads.py`` reads numbers from it in bulk,
``encrypt_existing.py`` is migration 0008's start-up step).

- The client makes the id (a UUID), so a retried PUT can never create a duplicate.
- ``PUT`` creates (201) or replaces (200). A body may name ``base_version``: if the server's copy
  has moved on, the write is refused with 409 and the server's copy. A PUT whose content equals
  the stored content is a replay: it changes nothing and answers with the stored record.
- ``DELETE`` leaves a tombstone (no data, a new version), so other devices learn of it; a
  tombstoned id stays deleted — a later PUT gets 409 with ``deleted: true``.
- Every change takes the user's next change number (``seq``, counted per user, so it reveals
  nothing of other accounts' writes); ``/api/changes?since=N`` lists a user's changes after N in
  order. A change with a higher seq can never become visible before one with a lower seq:
  paging never skips.
- A record is stored in two parts: ``data``, the plain JSON of the fields trends read in bulk,
  and ``secret``, the kind's ``private_fields`` sealed under the user's data key
  (``api/domain/crypto.py``, keys in ``api/store/keys.py``). Sealing and opening happen here, on
  the database thread; every Row handed out carries the whole record, already decrypted.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from api.domain import crypto
from api.domain.accounts import User
from api.domain.dates import check_day
from api.domain.errors import InvalidField, NotFound, VersionConflict
from api.domain.kinds import (
    KINDS,
    Change,
    ChangePage,
    Encoded,
    Kind,
    OutT,
    PutT,
    StoredRecord,
    current_copy,
)
from api.store.db import Database, is_postgres
from api.store.keys import Keyring, create_data_key

LIST_LIMIT_DEFAULT = 1000
LIST_LIMIT_MAX = 5000
# No limit (an export has every record of the range); a number both engines take as LIMIT.
ALL: Final = 2**62
ROW_COLUMNS = "id, version, updated_at, flagged, deleted, data, seq, secret"
Row = StoredRecord


# --- SQL (run on the database thread) ------------------------------------------------------


class NoDataKey(Exception):
    """The account has no data key yet (made at registration; only a crash can lose it)."""


def _reveal(conn: sqlite3.Connection, keys: Keyring, user_id: int, kind: str, found: Any) -> Row:
    """A stored row (``ROW_COLUMNS``) as a Row whose data is the whole record: the plain part
    merged with the private part, decrypted under the user's data key."""
    record_id, version, updated_at, flagged, deleted, data, seq, secret = found[:8]
    if secret is not None:
        aead = keys.of(conn, user_id)
        if aead is None:
            raise crypto.CannotDecrypt("the account's data key is gone")
        private = crypto.unseal(aead, crypto.record_aad(user_id, kind, record_id), secret)
        data = crypto.merge_json(data, private)
    return Row(record_id, version, updated_at, flagged, deleted, data, seq)


def _row(
    conn: sqlite3.Connection, keys: Keyring, user_id: int, kind: str, record_id: str
) -> Row | None:
    # Ids are scoped to their owner (the key is user, kind, id): another user's records are
    # never looked at, so nothing here can depend on them.
    found = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM records WHERE user_id = ? AND kind = ? AND id = ?",  # noqa: S608
        (user_id, kind, record_id),
    ).fetchone()
    return None if found is None else _reveal(conn, keys, user_id, kind, found)


def _next_seq(conn: sqlite3.Connection, user_id: int) -> int:
    """The next change number: each user has a counter (``users.change_seq``), bumped in the
    writing transaction, so a user's numbers say nothing about anyone else's writes. On SQLite
    the single writer commits in order; on PostgreSQL, where several processes commit at once,
    the bump takes the user's row lock, so a second write for the same user waits for the first
    to commit and that user's numbers become visible in order: paging never skips.
    """
    row = conn.execute(
        "UPDATE users SET change_seq = change_seq + 1 WHERE id = ? RETURNING change_seq",
        (user_id,),
    ).fetchone()
    return int(row[0])


def peek_seq(conn: sqlite3.Connection, user_id: int) -> int:
    """The change number the user's next write will take at the earliest (on PostgreSQL under the
    user's row lock, so no write of theirs in flight can take a lower one)."""
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    row = conn.execute(
        f"SELECT change_seq + 1 FROM users WHERE id = ?{lock}",  # noqa: S608
        (user_id,),
    ).fetchone()
    return int(row[0])


def delete_imported(conn: sqlite3.Connection, user_id: int, import_id: int, limit: int) -> int:
    """Delete up to ``limit`` of the records an import created and nobody has changed since (an
    undo; never tombstones: no device has seen them, the feed stops before them)."""
    return conn.execute(
        "DELETE FROM records WHERE (user_id, kind, id) IN (SELECT user_id, kind, id FROM records "
        "WHERE import_id = ? AND user_id = ? LIMIT ?)",
        (import_id, user_id, limit),
    ).rowcount


def continue_numbering(conn: sqlite3.Connection) -> None:
    """After ``waypoint copy`` from SQLite to PostgreSQL (numbers given before SQLite's migration
    0010 came from one sequence for everyone): every counter starts above every copied number,
    so a device's cursor from before the move still lists exactly the changes made after it."""
    conn.execute("UPDATE users SET change_seq = (SELECT COALESCE(MAX(seq), 0) FROM records)")


def json_array(conn: sqlite3.Connection, select_data: str) -> str:
    """SQL for ONE JSON array of the ``data`` a subquery selects (with ``day``), by day."""
    # The subquery is this module's own SQL, never input.
    if is_postgres(conn):  # bytea throughout: the stored bytes are joined, never re-encoded
        aggregate = "string_agg(data, ','::bytea ORDER BY day), ''::bytea"
        return f"SELECT '['::bytea || COALESCE({aggregate}) || ']'::bytea FROM ({select_data}) p"  # noqa: S608
    return f"SELECT '[' || COALESCE(group_concat(data, ','), '') || ']' FROM ({select_data})"  # noqa: S608


def _seal(
    conn: sqlite3.Connection, keys: Keyring, user_id: int, kind: str, record_id: str, private: bytes
) -> bytes | None:
    if not private:
        return None
    aead = keys.of(conn, user_id)
    if aead is None:
        raise NoDataKey
    return crypto.seal(aead, crypto.record_aad(user_id, kind, record_id), private)


def put_row(
    conn: sqlite3.Connection,
    keys: Keyring,
    user_id: int,
    kind: str,
    record_id: str,
    base_version: int | None,
    encoded: Encoded,
    now: str,
    import_id: int | None = None,
) -> tuple[bool, Row]:
    """Create or replace; returns (created, stored row). Raises Conflict. The private part is
    sealed here, on the database thread, under the user's data key. A record an import creates
    carries the import's id (so a failed import can be undone); any later change to it makes it
    the owner's own, and an undo leaves it alone."""
    seq = _next_seq(conn, user_id)  # first: on PostgreSQL it locks the user's row
    current = _row(conn, keys, user_id, kind, record_id)
    data = crypto.merge_json(encoded.plain, encoded.private)
    day, flagged = encoded.day, encoded.flagged
    if current is None:
        secret = _seal(conn, keys, user_id, kind, record_id, encoded.private)
        conn.execute(
            "INSERT INTO records (user_id, kind, id, version, seq, day, flagged, deleted, "
            "updated_at, data, secret, import_id) VALUES (?, ?, ?, 1, ?, ?, ?, 0, ?, ?, ?, ?)",
            (user_id, kind, record_id, seq, day, flagged, now, encoded.plain, secret, import_id),
        )
        return True, Row(record_id, 1, now, flagged, 0, data, seq)
    if current.deleted:
        raise VersionConflict(current)
    if current.data == data:
        return False, current  # a replay of a write already applied
    if base_version is not None and base_version != current.version:
        raise VersionConflict(current)
    version = current.version + 1
    secret = _seal(conn, keys, user_id, kind, record_id, encoded.private)
    conn.execute(
        "UPDATE records SET version = ?, seq = ?, day = ?, flagged = ?, updated_at = ?, data = ?, "
        "secret = ?, import_id = NULL WHERE user_id = ? AND kind = ? AND id = ?",
        (version, seq, day, flagged, now, encoded.plain, secret, user_id, kind, record_id),
    )
    return False, Row(record_id, version, now, flagged, 0, data, seq)


def delete_row(
    conn: sqlite3.Connection,
    keys: Keyring,
    user_id: int,
    kind: str,
    record_id: str,
    base_version: int | None,
    now: str,
) -> bool:
    """Tombstone a record; False if this user has no such record. Deleting twice is fine."""
    if is_postgres(conn):  # the user's row lock first, as in put_row
        conn.execute("SELECT 1 FROM users WHERE id = ? FOR UPDATE", (user_id,))
    current = _row(conn, keys, user_id, kind, record_id)
    if current is None:
        return False
    if current.deleted:
        return True
    if base_version is not None and base_version != current.version:
        raise VersionConflict(current)
    conn.execute(
        "UPDATE records SET version = version + 1, seq = ?, day = NULL, flagged = 0, deleted = 1, "
        "updated_at = ?, data = NULL, secret = NULL, import_id = NULL "
        "WHERE user_id = ? AND kind = ? AND id = ?",
        (_next_seq(conn, user_id), now, user_id, kind, record_id),
    )
    return True


def live_row(
    conn: sqlite3.Connection, keys: Keyring, user_id: int, kind: str, record_id: str
) -> Row | None:
    row = _row(conn, keys, user_id, kind, record_id)
    return row if row and not row.deleted else None


def rows_between(
    conn: sqlite3.Connection,
    keys: Keyring,
    user_id: int,
    kind: str,
    start: str,
    end: str,
    limit: int,
) -> list[Row]:
    """Live records with start <= day <= end: the latest ``limit`` of them, oldest first."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM records WHERE user_id = ? AND kind = ? AND deleted = 0 "  # noqa: S608
        "AND day BETWEEN ? AND ? ORDER BY day DESC, seq DESC LIMIT ?",
        (user_id, kind, start, end, limit),
    ).fetchall()
    return [_reveal(conn, keys, user_id, kind, r) for r in reversed(found)]


def as_stored(conn: sqlite3.Connection, keys: Keyring, kind: str) -> list[tuple[str, int, Any]]:
    """(id, version, the whole record as JSON or None if deleted) for every record of a kind,
    decrypted: for checks that read a database file or a backup directly (crash tests)."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS}, user_id FROM records WHERE kind = ?",  # noqa: S608
        (kind,),
    ).fetchall()
    rows = [_reveal(conn, keys, r[-1], kind, r) for r in found]
    return [(row.id, row.version, None if row.deleted else row.data) for row in rows]


def data_between(conn: sqlite3.Connection, user_id: int, kind: str, start: str, end: str) -> bytes:
    """The plain part (never the private fields) of every live record of a kind in a day range,
    as ONE JSON array (decoded in a single call)."""
    found = conn.execute(
        json_array(
            conn,
            "SELECT day, data FROM records WHERE user_id = ? AND kind = ? AND deleted = 0 "
            "AND day BETWEEN ? AND ? ORDER BY day",
        ),
        (user_id, kind, start, end),
    ).fetchone()
    return bytes(found[0], "utf-8") if isinstance(found[0], str) else bytes(found[0])


def exists_on(conn: sqlite3.Connection, user_id: int, kind: str, day: str) -> bool:
    """Whether a live record of a kind belongs to a local day (a check-in today, for reminders)."""
    found = conn.execute(
        "SELECT 1 FROM records WHERE user_id = ? AND kind = ? AND day = ? AND deleted = 0 LIMIT 1",
        (user_id, kind, day),
    ).fetchone()
    return found is not None


def latest_day(conn: sqlite3.Connection, user_id: int, kind: str) -> str | None:
    """The local day of the newest live record of a kind, if any."""
    found = conn.execute(
        "SELECT MAX(day) FROM records WHERE user_id = ? AND kind = ? AND deleted = 0",
        (user_id, kind),
    ).fetchone()
    return None if found[0] is None else str(found[0])


def changes_after(
    conn: sqlite3.Connection, keys: Keyring, user_id: int, since: int, limit: int
) -> list[tuple[str, Row]]:
    """(kind, row) of the user's changes after ``since``, oldest first. While an import of the
    user's runs, the list stops before its first change number: no device pulls half an import
    (and the user's other changes of that time follow once it is done or undone)."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS}, kind FROM records "  # noqa: S608
        "WHERE user_id = ? AND seq > ? "
        "AND seq < (SELECT COALESCE(MIN(first_seq), ?) FROM imports WHERE user_id = ?) "
        "ORDER BY seq LIMIT ?",
        (user_id, since, ALL, user_id, limit),
    ).fetchall()
    return [(r[-1], _reveal(conn, keys, user_id, r[-1], r)) for r in found]


def rows_after(
    conn: sqlite3.Connection, keys: Keyring, user_id: int, kind: str, start: str, limit: int
) -> list[Row]:
    """Live records with day >= start: the EARLIEST ``limit`` of them, oldest first."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM records WHERE user_id = ? AND kind = ? AND deleted = 0 "  # noqa: S608
        "AND day >= ? ORDER BY day, seq LIMIT ?",
        (user_id, kind, start, limit),
    ).fetchall()
    return [_reveal(conn, keys, user_id, kind, r) for r in found]


# --- the operations the routes call --------------------------------------------------------------


def day_range(start: date | None, end: date | None) -> tuple[str, str]:
    check_day("from", start, source="query")
    check_day("to", end, source="query")
    if start and end and start > end:
        raise InvalidField("to", "must be on or after 'from'.", source="query")
    return (start or date.min).isoformat(), (end or date.max).isoformat()


async def put(
    db: Database, kind: Kind[PutT, OutT], user: User, record_id: UUID, body: PutT, now: datetime
) -> tuple[bool, OutT]:
    """Create or replace one of the user's records: (created, the record as GET returns it)."""
    encoded = kind.encode(body, user.tz, now)
    stamp = now.isoformat(timespec="milliseconds")
    args = (user.id, kind.name, str(record_id), getattr(body, "base_version", None), encoded, stamp)
    try:
        try:
            created, row = await db.write(put_row, db.keyring, *args)
        except NoDataKey:
            # Committed on its own before any text is sealed under it.
            await db.write(create_data_key, db.keyring, user.id, stamp)
            created, row = await db.write(put_row, db.keyring, *args)
    except VersionConflict as exc:
        raise VersionConflict(current_copy(kind, exc.current)) from None
    return created, kind.out(row)


async def fetch(db: Database, kind: Kind[Any, OutT], user: User, record_id: UUID) -> OutT:
    row = await db.read(live_row, db.keyring, user.id, kind.name, str(record_id))
    if row is None:
        raise NotFound(kind.label)
    return kind.out(row)


async def remove(
    db: Database,
    kind: Kind[Any, Any],
    user: User,
    record_id: UUID,
    base_version: int | None,
    now: datetime,
) -> None:
    try:
        found = await db.write(
            delete_row,
            db.keyring,
            user.id,
            kind.name,
            str(record_id),
            base_version,
            now.isoformat(timespec="milliseconds"),
        )
    except VersionConflict as exc:
        raise VersionConflict(current_copy(kind, exc.current)) from None
    if not found:
        raise NotFound(kind.label)


async def between(
    db: Database,
    kind: Kind[Any, OutT],
    user: User,
    start: date | None,
    end: date | None,
    limit: int,
) -> list[OutT]:
    first, last = day_range(start, end)
    rows = await db.read(rows_between, db.keyring, user.id, kind.name, first, last, limit)
    return [kind.out(row) for row in rows]


async def changes(db: Database, user: User, since: int, limit: int) -> ChangePage:
    """A page of the user's changes after ``since``, tombstones included."""
    rows = await db.read(changes_after, db.keyring, user.id, since, limit + 1)
    found = []
    for kind, row in rows[:limit]:
        found.append(
            Change(
                seq=row.seq,
                kind=kind,
                id=row.id,
                version=row.version,
                deleted=bool(row.deleted),
                updated_at=row.updated_at,
                record=None if row.deleted else KINDS[kind].out(row),
            )
        )
    return ChangePage(changes=found, next=found[-1].seq if found else since, more=len(rows) > limit)
