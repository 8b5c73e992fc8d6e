"""The database layer on its own: group commit, savepoints, a failed COMMIT, closing, reads."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from api.store.db import Database

SCHEMA = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    # Checked at COMMIT, not at the statement: the way to make a COMMIT itself fail.
    "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
)


def create_schema(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA:
        conn.execute(statement)


def add_parent(conn: sqlite3.Connection, parent_id: int) -> int:
    conn.execute("INSERT INTO parent (id) VALUES (?)", (parent_id,))
    return parent_id


def add_orphan(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO child (parent_id) VALUES (999)")


def parents(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM parent ORDER BY id")]


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    opened = await Database.open(tmp_path / "test.sqlite3")
    await opened.write(create_schema)
    return opened


async def test_a_failing_write_rolls_back_alone_in_a_shared_commit(db: Database) -> None:
    # Queued together, so the writer takes them in one batch (one BEGIN ... COMMIT).
    results = await asyncio.gather(
        db.write(add_parent, 1),
        db.write(add_parent, 1),  # the same primary key: this one fails
        db.write(add_parent, 2),
        return_exceptions=True,
    )
    assert results[0] == 1
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert results[2] == 2
    assert await db.read(parents) == [1, 2]
    await db.close()


async def test_a_failed_commit_fails_every_write_of_its_batch(db: Database) -> None:
    results = await asyncio.gather(
        db.write(add_parent, 1), db.write(add_orphan), return_exceptions=True
    )
    assert all(isinstance(each, sqlite3.IntegrityError) for each in results)
    assert await db.read(parents) == []
    assert await db.write(add_parent, 3) == 3  # the writer carries on after a failed commit
    assert await db.read(parents) == [3]
    await db.close()


async def test_close_commits_the_writes_still_queued(db: Database, tmp_path: Path) -> None:
    pending = [asyncio.ensure_future(db.write(add_parent, n)) for n in range(1, 6)]
    await asyncio.sleep(0)  # queued, not yet committed
    await db.close()
    assert [await each for each in pending] == [1, 2, 3, 4, 5]
    with pytest.raises(RuntimeError, match="closing"):
        await db.write(add_parent, 6)
    conn = sqlite3.connect(tmp_path / "test.sqlite3")
    try:
        assert parents(conn) == [1, 2, 3, 4, 5]
    finally:
        conn.close()


async def test_reads_go_on_during_a_write_and_see_only_committed_data(db: Database) -> None:
    await db.write(add_parent, 1)
    inside, release = threading.Event(), threading.Event()

    def slow_write(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO parent (id) VALUES (2)")
        inside.set()
        assert release.wait(10), "the test never released the write"

    writing = asyncio.ensure_future(db.write(slow_write))
    assert await asyncio.to_thread(inside.wait, 10)
    assert await db.read(parents) == [1]  # not blocked, and the open write is not visible
    release.set()
    await writing
    assert await db.read(parents) == [1, 2]
    await db.close()
