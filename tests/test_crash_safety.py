"""An acknowledged write survives a crash, and a backup taken under load is whole.

The server runs as a real child process on a SQLite file. Eight writers create, edit and delete
check-ins over HTTP and keep a ledger of every write the server acknowledged (a 2xx response).
The server is killed with SIGKILL at a random moment, restarted on the same file, and every
acknowledged write must still be there with its content (the harness, ``tests/crash.py``, is
the one ``python -m bench`` runs for its 50 crash rounds).

The same rounds run on PostgreSQL (the server process is killed; PostgreSQL itself is not).

SIGKILL loses the process but not the operating system's page cache, so these rounds prove that
the server acknowledges a write only after its COMMIT, not that the COMMIT reached the disk;
``test_writes_are_committed_with_full_fsync`` covers the second half (``synchronous=FULL``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import sys
from pathlib import Path

import pytest

from api.settings import PROJECT_DIR
from api.store import keys, records
from api.store.db import Database, migrations
from tests.crash import (
    DELETED,
    Ledger,
    check_database_file,
    content_of,
    crash_rounds,
    register_user,
    session_client,
    write_until_stopped,
)
from tests.helpers import ENGINES, PASSWORD, empty_pg_database
from tests.server import ServerProcess

ROUNDS = 10
WRITERS = 8

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("engine", ENGINES)
async def test_acknowledged_writes_survive_sigkill(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    db_path = tmp_path / "waypoint.sqlite3"
    url = empty_pg_database(request.getfixturevalue("postgres")) if engine == "postgresql" else ""
    server = ServerProcess(db_path, env={"WAYPOINT_DATABASE_URL": url} if url else {})
    cookie = register_user(server.start(), "crash-test", PASSWORD)
    try:
        report = await crash_rounds(server, cookie, ROUNDS, writers=WRITERS, database_url=url)
    finally:
        server.stop()
    assert report.problems == []
    assert report.rounds == ROUNDS
    assert check_database_file(db_path, report.ledger, url) == []  # and after a normal shutdown
    assert sum(report.new_checkins_per_round) > ROUNDS * WRITERS, report.new_checkins_per_round


async def test_backup_under_load_is_consistent(tmp_path: Path) -> None:
    db_path, target = tmp_path / "waypoint.sqlite3", tmp_path / "backup.sqlite3"
    ledger = Ledger()
    stop = asyncio.Event()
    with ServerProcess(db_path) as server:
        cookie = register_user(server.url, "crash-test", PASSWORD)
        async with (
            session_client(server.url, cookie, 2 * WRITERS) as client,
            asyncio.TaskGroup() as tasks,
        ):
            for n in range(WRITERS):
                writer = write_until_stopped(
                    client, ledger, random.Random(n), n, creates_only=True, stop=stop
                )
                tasks.create_task(writer)
            await asyncio.sleep(0.5)  # let the writers get going
            before_backup = dict(ledger.acked)
            backup = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "api", "backup", str(target), "--db", str(db_path)),
                cwd=PROJECT_DIR,
                env={k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await backup.communicate()
            during_backup = len(ledger.acked) - len(before_backup)
            stop.set()
    assert ledger.refused == []
    assert backup.returncode == 0, err.decode()
    assert len(before_backup) >= 20, "the writers were too slow to test anything"
    assert during_backup > 0, "no write landed while the backup ran"

    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
        # The backup holds ciphertext; the live key store and key file open it.
        rows = records.as_stored(conn, keys.offline_keyring(conn, db_path), "entry")
    finally:
        conn.close()
    in_backup = {record_id: json.loads(data) for record_id, _, data in rows if data is not None}
    for record_id, content in before_backup.items():
        assert record_id in in_backup, f"check-in {record_id} acknowledged before the backup"
        assert content is not DELETED
        assert content_of(in_backup[record_id], content) == content
    assert set(in_backup) <= ledger.ids(), "the backup holds check-ins nobody wrote"


async def test_writes_are_committed_with_full_fsync(tmp_path: Path) -> None:
    """The half of durability a SIGKILL cannot test: a COMMIT waits for fsync, in WAL mode."""
    db = await Database.open(tmp_path / "waypoint.sqlite3")
    try:

        def pragmas(conn: sqlite3.Connection) -> tuple[int, str]:
            synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
            return synchronous, conn.execute("PRAGMA journal_mode").fetchone()[0]

        assert await db.write(pragmas) == (2, "wal")  # 2 = FULL
    finally:
        await db.close()
