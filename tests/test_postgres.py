"""The PostgreSQL engine on its own, against a real server: migrations applied once however
many processes start together, the changes feed under concurrent writers, durability settings,
and the SQL translation the shared statements rely on."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from api.domain import crypto
from api.domain.kinds import Encoded
from api.store import db as sqlite_db
from api.store import pg, records
from api.store.keys import Keyring
from api.store.pg import PgDatabase, run_migrations
from tests import pg_cluster

# These writes seal nothing (no private fields), so any server key serves.
NO_KEYS = Keyring(crypto.new_key())


def test_every_sqlite_migration_has_a_postgresql_counterpart() -> None:
    """A branch that adds migrations/NNNN_x.sql must add migrations_pg/NNNN_x.sql too, or a
    PostgreSQL deployment would silently miss the change."""
    assert [n for n, _, _ in sqlite_db.migrations()] == [n for n, _, _ in pg.migrations()]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        (
            "SELECT ':x', '?', 'it''s ?' WHERE d = :day",
            "SELECT ':x', '?', 'it''s ?' WHERE d = %(day)s",
        ),
        (
            "SELECT '['::bytea || x LIKE '5%' AND y = ?",
            "SELECT '['::bytea || x LIKE '5%' AND y = %s",
        ),
        ("SELECT 10 % 3, ?", "SELECT 10 %% 3, %s"),
    ],
)
def test_sqlite_placeholders_become_psycopg_ones_outside_literals(sql: str, expected: str) -> None:
    assert pg._translated(sql) == expected


def test_several_processes_starting_at_once_apply_each_migration_once(
    postgres: pg_cluster.Cluster,
) -> None:
    name = "m_" + uuid.uuid4().hex[:12]
    url = postgres.create_database(name)
    try:
        outcomes: list[list[str]] = []
        starters = [
            threading.Thread(target=lambda: outcomes.append(run_migrations(url)[0]))
            for _ in range(4)
        ]
        for each in starters:
            each.start()
        for each in starters:
            each.join()
        assert sorted(len(applied) for applied in outcomes) == [0, 0, 0, len(pg.migrations())]
        with psycopg.connect(url) as conn:
            numbers = [r[0] for r in conn.execute("SELECT number FROM schema_migrations")]
        assert sorted(numbers) == [n for n, _, _ in pg.migrations()]
    finally:
        postgres.drop_database(name)


@pytest.fixture
async def two_pools(postgres: pg_cluster.Cluster) -> AsyncIterator[tuple[PgDatabase, PgDatabase]]:
    """Two engines on one database, each with its own connections: two server processes, as
    far as PostgreSQL can tell."""
    name = "c_" + uuid.uuid4().hex[:12]
    url = postgres.create_database(name)
    first, second = await PgDatabase.open_url(url, 4), await PgDatabase.open_url(url, 4)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
        postgres.drop_database(name)


def _new_user(conn: Any) -> int:
    row = conn.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES (?, 'x', ?) RETURNING id",
        ("feed", datetime.now(UTC).isoformat()),
    ).fetchone()
    return int(row[0])


def _slow_put(conn: Any, user_id: int, record_id: str, pause: float) -> None:
    """A write that holds its transaction open a while after taking its change number, so that
    with numbers taken outside the user's lock a later number would often commit first."""
    now = datetime.now(UTC).isoformat()
    encoded = Encoded(b"{}", b"", "2026-11-20", False)  # no private fields: nothing to seal
    records.put_row(conn, NO_KEYS, user_id, "entry", record_id, None, encoded, now)
    time.sleep(pause)


async def test_the_feed_never_skips_while_two_processes_write_concurrently(
    two_pools: tuple[PgDatabase, PgDatabase],
) -> None:
    first, second = two_pools
    user_id = await first.write(_new_user)
    written = [str(uuid.uuid4()) for _ in range(60)]
    rng = random.Random(15)
    done = asyncio.Event()
    seen: list[str] = []
    cursors: list[int] = []

    async def writer(db: PgDatabase, ids: list[str]) -> None:
        for record_id in ids:
            await db.write(_slow_put, user_id, record_id, rng.uniform(0, 0.01))

    async def poller() -> None:
        cursor = 0
        while True:
            finished = done.is_set()  # read before the page: the last page sees every write
            for _kind, row in await second.read(
                records.changes_after, NO_KEYS, user_id, cursor, 1000
            ):
                seq, record_id = row.seq, row.id
                assert seq > cursor
                seen.append(record_id)
                cursor = seq
            cursors.append(cursor)
            if finished:
                return
            await asyncio.sleep(0)

    async def writers() -> None:
        await asyncio.gather(
            *(writer(db, written[n::6]) for n, db in enumerate([first, second] * 3))
        )
        done.set()

    await asyncio.gather(writers(), poller())
    assert sorted(seen) == sorted(written)  # every change seen, none twice
    assert len(set(cursors)) > 2  # the feed was read while the writes were landing


async def test_connections_commit_synchronously_and_reads_are_read_only(
    two_pools: tuple[PgDatabase, PgDatabase],
) -> None:
    first, _ = two_pools

    def setting(conn: Any) -> tuple[str, str]:
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        read_only = conn.execute("SHOW transaction_read_only").fetchone()[0]
        return sync, read_only

    assert await first.read(setting) == ("on", "on")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        await first.read(_new_user)


async def test_a_failing_write_changes_nothing(two_pools: tuple[PgDatabase, PgDatabase]) -> None:
    first, _ = two_pools

    def half_then_fail(conn: Any) -> None:
        _new_user(conn)
        raise sqlite3.DataError("stop here")

    with pytest.raises(sqlite3.DataError):
        await first.write(half_then_fail)
    assert (
        await first.read(lambda conn: conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]) == 0
    )
