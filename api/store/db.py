"""The SQLite file: one writer that commits in groups, a few readers, numbered migrations.

Store modules write their SQL as plain synchronous functions ``fn(conn, *args)`` and run them
with ``await db.read(fn, ...)`` or ``await db.write(fn, ...)``. Each call is one hop to the
connection's thread, however many statements the function runs.

Each connection lives on a thread of its own (aiosqlite's model: one thread per connection,
calls run in order), built here on public APIs only: the standard library's ``sqlite3`` and a
one-thread executor per connection, as datasette does. That is what lets a whole function run in
one hop, which aiosqlite offers only through a private method.

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
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from api.store import keys

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MAX_BATCH = 256
READERS = 2

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    # Deleted content is overwritten with zeros, so a deleted note is not left readable in the
    # file's free pages (with the checkpoint after an account deletion, not in the WAL either).
    "PRAGMA secure_delete = ON",
)


def is_postgres(conn: object) -> bool:
    """For the few statements the two dialects must write differently (``store/pg.py``'s
    connections say ``dialect = "postgresql"``; sqlite3's have no such attribute)."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


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
    """A consistent copy of a live database (a read snapshot; writers carry on meanwhile), in a
    new file readable by its owner only. The copy holds no data key: the key store is a file of
    its own (``api/store/keys.py``)."""
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    keys.create_private(target)  # VACUUM INTO fills an empty file; the copy is 0600 as well
    conn = sqlite3.connect(source, isolation_level=None)
    try:
        configure(conn)
        conn.execute("VACUUM INTO ?", (str(target),))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        conn.close()


class Connection:
    """One SQLite connection on its own thread; ``await run(fn, *args)`` calls ``fn(conn, *args)``
    there. Calls run one at a time, in the order they were made."""

    def __init__(self, path: Path, *, read_only: bool) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="waypoint-sqlite")
        self._path = path
        self._read_only = read_only
        self._conn: sqlite3.Connection | None = None

    def _open(self) -> None:
        self._conn = sqlite3.connect(self._path, isolation_level=None)
        configure(self._conn)
        keys.attach(self._conn, self._path)
        if self._read_only:
            self._conn.execute("PRAGMA query_only = ON")

    def _apply(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        assert self._conn is not None, "the connection is closed"
        return fn(self._conn, *args)

    async def open(self) -> None:
        await self._hop(self._open)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._hop(partial(self._apply, fn, args))

    async def close(self) -> None:
        if self._conn is not None:
            await self._hop(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=False)

    async def _hop(self, job: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)


class Database:
    """Open with ``await Database.open(path)``; close with ``await db.close()``.

    ``keyring`` holds the server key (from ``key_file``, default ``<db>.key``, made at the first
    start) and the data keys in use; store functions that read or write journal text take it.
    """

    keyring: keys.Keyring

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: Connection | None = None
        self._readers: list[Connection] = []
        self._next_reader = itertools.cycle(range(READERS))
        self._queue: list[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @classmethod
    async def open(cls, path: Path, key_file: Path | None = None) -> Database:
        keyring = keys.server_keyring(key_file or keys.default_key_file(path), path)
        db = await cls.open_without_keyring(path)
        db.keyring = keyring
        return db

    @classmethod
    async def open_without_keyring(cls, path: Path) -> Database:
        """The database with no server key loaded: for ``waypoint rotate-key``, which handles
        the key files itself (``rotation.py``)."""
        db = cls(path)
        # Every file made owner-only before SQLite creates it (its -wal and -shm follow).
        keys.make_private(path)
        keys.make_private(keys.key_store_path(path))
        db._writer = Connection(path, read_only=False)
        await db._writer.open()
        await db._writer.run(migrate)
        await db._writer.run(_create_key_store)
        for _ in range(READERS):
            reader = Connection(path, read_only=True)
            await reader.open()
            db._readers.append(reader)
        db._task = asyncio.create_task(db._write_loop(), name="waypoint-writer")
        return db

    async def close(self) -> None:
        """Refuse new writes, commit the ones already queued (their callers hear back), then
        close every connection."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        for conn in [*self._readers, self._writer]:
            if conn is not None:
                await conn.close()

    async def checkpoint(self) -> None:
        """Copy the WAL into the database files and truncate it to zero bytes, so that what a
        write just deleted is not left readable in the ``-wal`` file (``secure_delete`` has
        already zeroed it in the pages). Runs between two write batches."""
        assert self._writer is not None
        await self._writer.run(_checkpoint)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` on a read-only connection."""
        return await self._readers[next(self._next_reader)].run(fn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` inside a write transaction; return once it is committed.

        If ``fn`` raises, its changes are rolled back and the exception reaches the caller.
        """
        if self._closing:
            raise RuntimeError("the database is closing; no new writes are accepted")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((fn, args, future))
        self._wakeup.set()
        return await future

    async def _write_loop(self) -> None:
        assert self._writer is not None
        while not (self._closing and not self._queue):
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                jobs = [(fn, args) for fn, args, future in batch]
                try:
                    outcomes = await self._writer.run(_commit_batch, jobs)
                except Exception as exc:  # the COMMIT itself failed: nothing in the batch holds
                    outcomes = [(False, exc)] * len(batch)
                for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)


def _create_key_store(conn: sqlite3.Connection) -> None:
    conn.execute(keys.KEY_STORE_SCHEMA)


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


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
