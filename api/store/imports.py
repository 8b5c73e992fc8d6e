"""Imports that never starve other users: written in bounded batches, whole or not at all.

The route checks the whole file first (``api/domain/archive.py`` holds one record at a time).
Then ``run_import`` writes it in batches of ``BATCH`` records, each batch one write transaction
of its own, so other users' writes take their turn between two batches instead of waiting for
the whole file (on SQLite's single writer a 150 000-record file held everyone for seconds).

Whole or not at all, without one long transaction:

- ``begin`` adds a row to ``imports`` (a random id, never reused) with the first change number
  the import can take; every record it creates carries its id (``records.put_row``).
- While that row exists, the user's changes feed stops before that number
  (``records.changes_after``), so no device ever pulls half an import; lists and trends on the
  server show the records as they arrive.
- ``finish`` sets the profile fields and removes the row, in one transaction: from then on the
  import is the user's data like any other, and the feed carries all of it.
- If a batch fails (or the request is cancelled), ``undo`` deletes, in batches too, every record
  the import created that nobody has changed since (a PUT or DELETE of one clears its import id:
  it is the owner's own), then the row, then checkpoints the WAL. Nothing of the file remains.
- A process that dies mid-import leaves its row behind. Each batch refreshes ``alive_at``; the
  sweep (at start-up, then every ``abandon_after`` seconds, in every process) undoes any import
  silent for longer than that. A batch whose row the sweep has removed fails and rolls back.
- One import per account at a time (409 while another one is alive).
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Final

from api.domain.archive import MAX_REPORTED, ConflictRef, ImportResult, Staged
from api.domain.errors import Busy, VersionConflict
from api.store import records
from api.store.db import Database
from api.store.keys import Keyring
from api.store.users import set_profile

BATCH: Final = 100
#: ``put_row`` with base version 0 only ever creates: no stored record has version 0, so an
#: existing record with other content is a conflict instead of being replaced.
CREATE_ONLY: Final = 0
ID_BITS: Final = 62  # fits a signed 64-bit column on both engines
ALREADY_RUNNING: Final = (
    "An import into this account is already running; try again when it is done."
)


class Abandoned(Exception):
    """The import's row is gone: the sweep took it for dead and undid it."""


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


# --- SQL (run on the database thread) ------------------------------------------------------


def _begin(conn: sqlite3.Connection, user_id: int, now: str, alive_after: str) -> int:
    running = conn.execute(
        "SELECT 1 FROM imports WHERE user_id = ? AND alive_at > ?", (user_id, alive_after)
    ).fetchone()
    if running is not None:
        raise Busy(ALREADY_RUNNING)
    import_id = secrets.randbits(ID_BITS)
    conn.execute(
        "INSERT INTO imports (id, user_id, first_seq, alive_at) VALUES (?, ?, ?, ?)",
        (import_id, user_id, records.peek_seq(conn, user_id), now),
    )
    return import_id


def _write_batch(
    conn: sqlite3.Connection,
    keys: Keyring,
    user_id: int,
    import_id: int,
    batch: list[Staged],
    now: str,
) -> ImportResult:
    alive = conn.execute("UPDATE imports SET alive_at = ? WHERE id = ?", (now, import_id))
    if alive.rowcount == 0:
        raise Abandoned
    part = ImportResult()
    for each in batch:
        try:
            created, _ = records.put_row(
                conn, keys, user_id, each.kind, each.id, CREATE_ONLY, each.data, now, import_id
            )
        except VersionConflict:
            part.conflicts += 1
            part.conflicted.append(ConflictRef(each.kind, each.id))
            continue
        if created:
            part.created += 1
        else:
            part.unchanged += 1
    return part


def _finish(
    conn: sqlite3.Connection, user_id: int, import_id: int, profile: dict[str, Any]
) -> None:
    if conn.execute("DELETE FROM imports WHERE id = ?", (import_id,)).rowcount == 0:
        raise Abandoned
    set_profile(conn, user_id, profile)


def _forget(conn: sqlite3.Connection, import_id: int) -> None:
    conn.execute("DELETE FROM imports WHERE id = ?", (import_id,))


def _abandoned(conn: sqlite3.Connection, alive_after: str) -> list[tuple[int, int]]:
    return conn.execute(
        "SELECT id, user_id FROM imports WHERE alive_at <= ? ORDER BY id", (alive_after,)
    ).fetchall()


# --- what the routes and the app call --------------------------------------------------------


def batches(staged: Iterable[Staged], size: int) -> Iterator[list[Staged]]:
    it = iter(staged)
    while batch := list(islice(it, size)):
        yield batch


def _add(total: ImportResult, part: ImportResult) -> None:
    total.created += part.created
    total.unchanged += part.unchanged
    total.conflicts += part.conflicts
    room = MAX_REPORTED - len(total.conflicted)
    total.conflicted.extend(part.conflicted[:room])


async def run_import(
    db: Database,
    user_id: int,
    staged: Iterable[Staged],
    profile: dict[str, Any],
    clock: Callable[[], datetime],
    abandon_after: float,
) -> ImportResult:
    """Write already-checked records in batches, then the profile fields; undo it all if any
    step fails. ``staged`` is consumed one batch at a time (it may decode lazily)."""
    now = clock()
    alive_after = _stamp(now - timedelta(seconds=abandon_after))
    import_id = await db.write(_begin, user_id, _stamp(now), alive_after)
    total = ImportResult(account_updated=sorted(profile))
    try:
        for batch in batches(staged, BATCH):
            part = await db.write(
                _write_batch, db.keyring, user_id, import_id, batch, _stamp(clock())
            )
            _add(total, part)
        await db.write(_finish, user_id, import_id, profile)
    except BaseException:
        # Shielded: a cancelled request still has its records removed.
        await asyncio.shield(undo(db, user_id, import_id))
        raise
    return total


async def undo(db: Database, user_id: int, import_id: int) -> None:
    """Remove what an import created, a batch per write, then its row; then empty the WAL."""
    while await db.write(records.delete_imported, user_id, import_id, BATCH):
        pass
    await db.write(_forget, import_id)
    await db.checkpoint()


async def sweep_abandoned(db: Database, now: datetime, abandon_after: float) -> int:
    """Undo every import silent for longer than ``abandon_after`` seconds; how many."""
    found = await db.read(_abandoned, _stamp(now - timedelta(seconds=abandon_after)))
    for import_id, user_id in found:
        await undo(db, user_id, import_id)
    return len(found)


async def keep_sweeping(db: Database, clock: Callable[[], datetime], abandon_after: float) -> None:
    """The sweep at start-up and then every ``abandon_after`` seconds, until cancelled."""
    while True:
        await sweep_abandoned(db, clock(), abandon_after)
        await asyncio.sleep(abandon_after)
