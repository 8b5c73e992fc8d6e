"""Versioned records: the one mechanism behind entries, treatments and assessments, and the only
module that reads or writes the ``records`` table.

- The client makes the id (a UUID), so a retried PUT can never create a duplicate.
- ``PUT`` creates (201) or replaces (200). A body may name ``base_version``: if the server's copy
  has moved on, the write is refused with 409 and the server's copy. A PUT whose content equals
  the stored content is a replay: it changes nothing and answers with the stored record.
- ``DELETE`` leaves a tombstone (no data, a new version), so other devices learn of it; a
  tombstoned id stays deleted — a later PUT gets 409 with ``deleted: true``.
- Every change takes the next server sequence number (``seq``); ``/api/changes?since=N`` lists a
  user's changes after N in order. Writes are serialised by the single writer, so a change with a
  higher seq can never become visible before one with a lower seq: paging never skips.
- A record is stored in two parts: ``data``, the plain JSON of the fields trends read in bulk,
  and ``secret``, the kind's ``private_fields`` sealed under the user's data key
  (``api/domain/crypto.py``, keys in ``api/store/keys.py``). Sealing and opening happen here, on
  the database thread; every Row handed out carries the whole record, already decrypted.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import Any, Final, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

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
from api.domain.trends import AssessmentPoint, EntryPoint, TreatmentPoint, baseline_anchor
from api.domain.trends.shapes import BASELINE_WINDOW_DAYS, HISTORY_DAYS, ROLLING_WINDOW_DAYS
from api.store.db import Database, is_postgres
from api.store.keys import Keyring, create_data_key

LIST_LIMIT_DEFAULT = 1000
LIST_LIMIT_MAX = 5000
# No limit (an export has every record of the range); a number both engines take as LIMIT.
ALL: Final = 2**62
ROW_COLUMNS = "id, version, updated_at, flagged, deleted, data, seq, secret"
Row = StoredRecord


class TrendInputs(NamedTuple):
    entries: list[EntryPoint]
    treatments: list[TreatmentPoint]
    assessments: list[AssessmentPoint]
    flagged_entry_days: list[date]
    first_checkin: date | None


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
    """The next change number. SQLite: one global sequence, safe because the single writer
    commits in order. PostgreSQL: several processes commit concurrently, and a number taken
    earlier can commit later (a reader would page past it); so each user has a counter, bumped
    under the user's row lock in the writing transaction. A second write for the same user waits
    for the first to commit, so that user's numbers become visible in order: paging never skips.
    """
    if is_postgres(conn):
        row = conn.execute(
            "UPDATE users SET change_seq = change_seq + 1 WHERE id = ? RETURNING change_seq",
            (user_id,),
        ).fetchone()
        return int(row[0])
    return peek_seq(conn, user_id)


def peek_seq(conn: sqlite3.Connection, user_id: int) -> int:
    """The change number the user's next write will take at the earliest (on PostgreSQL under the
    user's row lock, so no write of theirs in flight can take a lower one)."""
    if is_postgres(conn):
        row = conn.execute(
            "SELECT change_seq + 1 FROM users WHERE id = ? FOR UPDATE", (user_id,)
        ).fetchone()
        return int(row[0])
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records").fetchone()[0])


def delete_imported(conn: sqlite3.Connection, user_id: int, import_id: int, limit: int) -> int:
    """Delete up to ``limit`` of the records an import created and nobody has changed since (an
    undo; never tombstones: no device has seen them, the feed stops before them)."""
    return conn.execute(
        "DELETE FROM records WHERE (user_id, kind, id) IN (SELECT user_id, kind, id FROM records "
        "WHERE import_id = ? AND user_id = ? LIMIT ?)",
        (import_id, user_id, limit),
    ).rowcount


def continue_numbering(conn: sqlite3.Connection) -> None:
    """After ``waypoint copy`` from SQLite (one sequence for everyone) to PostgreSQL (a counter
    per user): every counter starts above every copied number, so a device's cursor from
    before the move still lists exactly the changes made after it."""
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


def data_mark(conn: sqlite3.Connection, user_id: int) -> int:
    """The user's latest change number: any write to their records moves it."""
    row = conn.execute("SELECT MAX(seq) FROM records WHERE user_id = ?", (user_id,)).fetchone()
    return int(row[0] or 0)


def flagged_entry_days(conn: sqlite3.Connection, user_id: int, start: str, end: str) -> list[date]:
    """The days in start..end with a check-in at the lowest mood."""
    found = conn.execute(
        "SELECT DISTINCT day FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
        "AND flagged = 1 AND day BETWEEN ? AND ? ORDER BY day",
        (user_id, start, end),
    ).fetchall()
    return [date.fromisoformat(day) for (day,) in found]


# --- what the trends read ------------------------------------------------------------------------


class _Treatment(msgspec.Struct):
    at: datetime
    kind: str
    status: str
    dose_mg: float | None = None


class _Assessment(msgspec.Struct):
    instrument: str
    taken_at: datetime
    # Stored assessments omit default values: a total of 0 (and its band) may be absent.
    total: int = 0
    band: str = "minimal"


_entries = msgspec.json.Decoder(list[EntryPoint])
_treatment = msgspec.json.Decoder(_Treatment)
_assessment = msgspec.json.Decoder(_Assessment)
BASELINE_SPAN = timedelta(days=BASELINE_WINDOW_DAYS)


def entries_between(
    conn: sqlite3.Connection, user_id: int, first: date, last: date
) -> list[EntryPoint]:
    """The plain part of the check-ins of first..last, decoded in one call."""
    (array,) = conn.execute(
        json_array(
            conn,
            "SELECT day, data FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
            "AND day BETWEEN ? AND ?",
        ),
        (user_id, first.isoformat(), last.isoformat()),
    ).fetchone()
    return _entries.decode(array)


def trend_inputs(
    conn: sqlite3.Connection,
    user_id: int,
    start: date,
    end: date,
    tz: ZoneInfo,
    baseline: date | None,
) -> TrendInputs:
    """Everything the trends of start..end need, and no more: the treatments (a year past the end
    for the next planned ones), the assessments, the entries of the period with the days its
    first 7-day means need, the 14 days before the baseline anchor, and the flagged days."""
    treatments = []
    for record_id, data in conn.execute(
        "SELECT id, data FROM records WHERE user_id = ? AND kind = 'treatment' AND deleted = 0 "
        "AND day <= ? ORDER BY day",
        (user_id, (end + timedelta(days=366)).isoformat()),
    ):
        t = _treatment.decode(data)
        treatments.append(
            TreatmentPoint(id=record_id, at=t.at, kind=t.kind, status=t.status, dose_mg=t.dose_mg)
        )
    assessments = []
    for record_id, flagged, data in conn.execute(
        "SELECT id, flagged, data FROM records WHERE user_id = ? AND kind = 'assessment' "
        "AND deleted = 0 AND day <= ? ORDER BY day",
        (user_id, end.isoformat()),
    ):
        a = _assessment.decode(data)
        assessments.append(
            AssessmentPoint(
                id=record_id,
                instrument=a.instrument,
                taken_at=a.taken_at,
                total=a.total,
                band=a.band,
                flagged=bool(flagged),
            )
        )
    # The period with the days its first 7-day means need, and, when the baseline anchor lies
    # before that, everything from 14 days before the anchor: "was an improvement ever reached
    # since the baseline" needs the whole stretch.
    first = start - timedelta(days=HISTORY_DAYS)
    anchor, _ = baseline_anchor(treatments, tz=tz, baseline_date=baseline)
    if anchor is not None and anchor <= end:
        first = min(first, anchor - BASELINE_SPAN)
    entries = entries_between(conn, user_id, first, end)
    flagged_days = flagged_entry_days(conn, user_id, start.isoformat(), end.isoformat())
    (first_checkin,) = conn.execute(
        "SELECT MIN(day) FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0",
        (user_id,),
    ).fetchone()
    first_day = None if first_checkin is None else date.fromisoformat(first_checkin)
    return TrendInputs(entries, treatments, assessments, flagged_days, first_day)


def checkin_window(
    conn: sqlite3.Connection, user_id: int, day: date, tz: ZoneInfo, baseline: date | None
) -> tuple[list[float | None], date | None, list[float]]:
    """The daily mean moods of the 7 days ending on ``day``, the baseline date, and the daily
    means of the 14 days before it: what a check-in's mood prompts need, in two small reads."""
    treatments = [
        TreatmentPoint(id="", at=t.at, kind=t.kind, status=t.status)
        for (data,) in conn.execute(
            "SELECT data FROM records WHERE user_id = ? AND kind = 'treatment' AND deleted = 0 "
            "AND day <= ?",
            (user_id, day.isoformat()),
        )
        for t in (_treatment.decode(data),)
    ]
    anchor, _ = baseline_anchor(treatments, tz=tz, baseline_date=baseline)
    first = day - timedelta(days=ROLLING_WINDOW_DAYS - 1)
    ranges = [(first, day)]
    if anchor is not None and anchor <= day:
        ranges.append((anchor - BASELINE_SPAN, anchor - timedelta(days=1)))
    moods: dict[date, list[int]] = {}
    for low, high in ranges:
        for entry in entries_between(conn, user_id, low, high):
            moods.setdefault(entry.day, []).append(entry.mood)

    def mean_of(each: date) -> float | None:
        found = moods.get(each)
        return None if not found else sum(found) / len(found)

    week = [mean_of(first + timedelta(days=n)) for n in range(ROLLING_WINDOW_DAYS)]
    before: list[float] = []
    if anchor is not None and anchor <= day:
        for n in range(BASELINE_WINDOW_DAYS):
            value = mean_of(anchor - BASELINE_SPAN + timedelta(days=n))
            if value is not None:
                before.append(value)
    return week, anchor, before


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


def marked_trend_inputs(
    conn: sqlite3.Connection,
    user_id: int,
    start: date,
    end: date,
    tz: ZoneInfo,
    baseline: date | None,
) -> tuple[int, TrendInputs]:
    """The user's data version and the trend inputs, read in ONE snapshot, so a result is never
    cached under a version it does not match, whichever process wrote in between."""
    if is_postgres(conn):  # the engine already runs each read in one REPEATABLE READ snapshot
        return data_mark(conn, user_id), trend_inputs(conn, user_id, start, end, tz, baseline)
    conn.execute("BEGIN")
    try:
        return data_mark(conn, user_id), trend_inputs(conn, user_id, start, end, tz, baseline)
    finally:
        conn.execute("COMMIT")


# --- the start-up step of migration 0008: text written before encryption ----------------------


def _pending_users(conn: sqlite3.Connection) -> list[int]:
    return [user_id for (user_id,) in conn.execute("SELECT user_id FROM encrypt_pending")]


def _ensure_key(conn: sqlite3.Connection, keys: Keyring, user_id: int, now: str) -> None:
    if keys.of(conn, user_id) is None:
        create_data_key(conn, keys, user_id, now)


def _encrypt_user(conn: sqlite3.Connection, keys: Keyring, user_id: int) -> int:
    """Move one account's private fields from ``data`` into ``secret``; the record's content,
    version and seq stay as they are (nothing changed for its owner or their phones)."""
    aead = keys.of(conn, user_id)
    assert aead is not None, "the key is made (and committed) first"
    found = conn.execute(
        "SELECT kind, id, data FROM records WHERE user_id = ? AND deleted = 0 "
        "AND secret IS NULL AND data IS NOT NULL",
        (user_id,),
    ).fetchall()
    moved = 0
    for kind, record_id, data in found:
        fields = msgspec.json.decode(data)
        names = KINDS[kind].private_fields if kind in KINDS else ()
        private = {name: fields.pop(name) for name in names if name in fields}
        if not private:
            continue
        secret = crypto.seal(
            aead, crypto.record_aad(user_id, kind, record_id), msgspec.json.encode(private)
        )
        conn.execute(
            "UPDATE records SET data = ?, secret = ? WHERE user_id = ? AND kind = ? AND id = ?",
            (msgspec.json.encode(fields), secret, user_id, kind, record_id),
        )
        moved += 1
    conn.execute("DELETE FROM encrypt_pending WHERE user_id = ?", (user_id,))
    return moved


async def encrypt_existing(db: Database, now: datetime) -> int:
    """Encrypt the text of records stored before migration 0008, one account per transaction
    (so a restart resumes where it stopped); then empty the WAL of the plaintext pages."""
    moved = 0
    pending = await db.read(_pending_users)
    for user_id in pending:
        await db.write(_ensure_key, db.keyring, user_id, now.isoformat())
        moved += await db.write(_encrypt_user, db.keyring, user_id)
    if pending:
        await db.checkpoint()
    return moved


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
