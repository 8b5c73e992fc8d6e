"""The SQLite file: one writer that commits in groups, a few readers, numbered migrations.

Feature modules write their SQL as plain synchronous functions ``fn(conn, *args)`` and run them
with ``await db.read(fn, ...)`` or ``await db.write(fn, ...)``. Each call is one hop to the
connection's thread, however many statements the function runs.

Writes are serialised through a single connection. Concurrent writes are batched: one
``BEGIN IMMEDIATE`` ... ``COMMIT`` holds many of them, each inside its own SAVEPOINT so a failing
write rolls back alone and never leaves a partial change. With ``synchronous=FULL`` a commit costs
an fsync, so sharing it is what lets concurrent check-ins go fast while every acknowledged write
is durable: a caller's ``await`` returns only after the commit that holds its write.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MAX_BATCH = 256
READERS = 2

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)


def configure(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        conn.execute(pragma)


def migrations() -> list[tuple[int, str, str]]:
    """The numbered ``NNNN_name.sql`` files, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        found.append((number, path.name, path.read_text(encoding="utf-8")))
    return found


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations newer than ``PRAGMA user_version``, each in its own transaction."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    applied = []
    for number, name, sql in migrations():
        if number <= current:
            continue
        conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        applied.append(name)
    return applied


def backup(source: Path, target: Path) -> None:
    """A consistent copy of a live database (a read snapshot; writers carry on meanwhile)."""
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    conn = sqlite3.connect(source, isolation_level=None)
    try:
        configure(conn)
        conn.execute("VACUUM INTO ?", (str(target),))
    finally:
        conn.close()


async def _call(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    # aiosqlite runs each call on the connection's own thread, in order. Handing it a whole
    # function (its ``_execute`` primitive, which all of its public methods use) makes a group
    # of statements one thread hop instead of one hop per statement.
    result: T = await conn._execute(fn, conn._conn, *args)  # type: ignore[no-untyped-call]
    return result


class Database:
    """Open with ``await Database.open(path)``; close with ``await db.close()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = itertools.cycle(range(READERS))
        self._queue: list[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Database:
        db = cls(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db._writer = await aiosqlite.connect(path, isolation_level=None)
        await _call(db._writer, configure)
        await _call(db._writer, migrate)
        for _ in range(READERS):
            reader = await aiosqlite.connect(path, isolation_level=None)
            await _call(reader, configure)
            await reader.execute("PRAGMA query_only = ON")
            db._readers.append(reader)
        db._task = asyncio.create_task(db._write_loop(), name="waypoint-writer")
        return db

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for future in (job[2] for job in self._queue):
            future.cancel()
        self._queue.clear()
        for conn in [*self._readers, self._writer]:
            if conn is not None:
                await conn.close()

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` on a read-only connection."""
        return await _call(self._readers[next(self._next_reader)], fn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` inside a write transaction; return once it is committed.

        If ``fn`` raises, its changes are rolled back and the exception reaches the caller.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((fn, args, future))
        self._wakeup.set()
        return await future

    async def _write_loop(self) -> None:
        assert self._writer is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                jobs = [(fn, args) for fn, args, future in batch]
                try:
                    outcomes = await _call(self._writer, _commit_batch, jobs)
                except Exception as exc:  # the COMMIT itself failed: nothing in the batch holds
                    outcomes = [(False, exc)] * len(batch)
                for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)


def _commit_batch(
    conn: sqlite3.Connection, jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]]
) -> list[tuple[bool, Any]]:
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for fn, args in jobs:
            conn.execute("SAVEPOINT job")
            try:
                outcomes.append((True, fn(conn, *args)))
            except Exception as exc:
                conn.execute("ROLLBACK TO job")
                outcomes.append((False, exc))
            conn.execute("RELEASE job")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes
