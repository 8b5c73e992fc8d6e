"""The PostgreSQL engine: the same ``await db.read(fn, ...)`` / ``await db.write(fn, ...)`` seam as
the SQLite file, over a pool of psycopg 3 connections.

Why psycopg 3 run on threads, not asyncpg: every store function is a plain synchronous
``fn(conn, *args)`` that runs several statements and Python between them in one transaction.
psycopg's blocking API runs such a function unchanged, one hop to a connection's own thread (the
model the SQLite engine already uses); asyncpg would need every store function rewritten as a
coroutine, twice as much SQL-adjacent code, for no gain in correctness.

- Each connection lives on a thread of its own; a call takes an idle connection from the pool
  (``pool_size`` of them), runs ``fn`` inside one transaction and commits before the caller's
  ``await`` returns. ``synchronous_commit = on``: an acknowledged write is on disk.
- Reads run in REPEATABLE READ READ ONLY transactions: every statement of one ``fn`` sees the
  same snapshot (the trends' data version and their inputs agree).
- Writes run in READ COMMITTED; whatever must be serialised takes a row lock (the user's row for
  the change counter). A deadlock or serialization failure is retried, a few times.
- ``PgConnection`` accepts the SQL the store writes for SQLite (``?`` and ``:name``
  placeholders), so statements on which the dialects agree are written once.
- Migrations (``migrations_pg/NNNN_name.sql``, tracked in ``schema_migrations``) are applied at
  start-up under an advisory lock: with several processes starting at once, exactly one applies
  them and the others wait, then find nothing left to do.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.types.numeric import IntDumper

from api.store.db import Database

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations_pg"
MIGRATION_LOCK = 0x5741_5950  # "WAYP": the advisory lock key held while migrating
RETRIES = 5
# Reads: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY (one statement, no extra round trip).
READ_SNAPSHOT = psycopg.IsolationLevel.REPEATABLE_READ
RETRIED = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|(?<!:):([A-Za-z_]\w*)|%")


def _translated(sql: str) -> str:
    """``?`` → ``%s``, ``:name`` → ``%(name)s``, ``%`` → ``%%``; quoted literals untouched."""

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        if found == "?":
            return "%s"
        if found == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return found

    return _PLACEHOLDER.sub(swap, sql)


_SQL_CACHE: dict[str, str] = {}


class PgConnection:
    """A psycopg connection presented with the few methods the store calls on sqlite3's."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    @staticmethod
    def _sql(sql: str) -> str:
        found = _SQL_CACHE.get(sql)
        if found is None:
            found = _SQL_CACHE[sql] = _translated(sql)
        return found

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        return self.raw.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)


def connect(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True, options="-c synchronous_commit=on")
    # SQLite stores True as 1 in INTEGER columns; so do the SMALLINT flags here.
    conn.adapters.register_dumper(bool, IntDumper)
    return conn


def migrations() -> list[tuple[int, str, str]]:
    """The numbered ``NNNN_name.sql`` files, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        found.append((number, path.name, path.read_text(encoding="utf-8")))
    return found


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply the migrations not yet in ``schema_migrations``, each in its own transaction, while
    holding the advisory lock (other processes starting now wait here)."""
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
        applied = []
        for number, name, sql in migrations():
            if number in done:
                continue
            with conn.transaction():
                conn.execute(sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (number, name) VALUES (%s, %s)", (number, name)
                )
            applied.append(name)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def schema_version(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT COALESCE(MAX(number), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


class _Worker:
    """One pooled connection and the thread it is used on."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="waypoint-pg")
        self.conn: psycopg.Connection[Any] | None = None

    def transaction(self, fn: Callable[..., T], args: tuple[Any, ...], read_only: bool) -> T:
        for attempt in range(RETRIES):
            if self.conn is None or self.conn.closed or self.conn.broken:
                self.conn = connect(self.url)  # first use, or the server went away meanwhile
            if self.conn.read_only != read_only:  # local: the next BEGIN carries the mode
                self.conn.read_only = read_only
                self.conn.isolation_level = READ_SNAPSHOT if read_only else None
            try:
                with self.conn.transaction():
                    return fn(PgConnection(self.conn), *args)
            except RETRIED:  # nothing of it was committed: safe to run again
                if attempt == RETRIES - 1:
                    raise
            # A lost connection is not retried: a COMMIT cut off midway may have landed, and
            # running the write again could apply it twice. The caller gets the error; the next
            # call reconnects.
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class PgDatabase(Database):
    """Open with ``await PgDatabase.open_url(url, pool_size)``; close with ``await db.close()``.

    A subclass of the SQLite ``Database`` only so that every ``db: Database`` in the store (and
    in branches not yet merged) accepts either engine; it shares none of its machinery.
    """

    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int) -> None:  # no super(): see above
        self.url = url
        self.pool_size = pool_size
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers = [_Worker(url) for _ in range(pool_size)]
        for worker in self._workers:
            self._idle.put_nowait(worker)
        self._closing = False

    @classmethod
    async def open_url(cls, url: str, pool_size: int) -> PgDatabase:
        db = cls(url, pool_size)
        await asyncio.to_thread(run_migrations, url)
        return db

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL recycles its WAL itself."""

    async def close(self) -> None:
        self._closing = True
        for _ in self._workers:  # wait until every connection is idle again
            worker = await self._idle.get()
            await asyncio.get_running_loop().run_in_executor(worker.executor, worker.close)
            worker.executor.shutdown(wait=False)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._run(fn, args, read_only=True)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closing:
            raise RuntimeError("the database is closing; no new writes are accepted")
        return await self._run(fn, args, read_only=False)

    async def _run(self, fn: Callable[..., T], args: tuple[Any, ...], read_only: bool) -> T:
        worker = await self._idle.get()
        try:
            job = partial(worker.transaction, fn, args, read_only)
            return await asyncio.get_running_loop().run_in_executor(worker.executor, job)
        finally:
            self._idle.put_nowait(worker)


def run_migrations(url: str) -> tuple[list[str], int]:
    with connect(url) as conn:
        applied = migrate(conn)
        return applied, schema_version(conn)
