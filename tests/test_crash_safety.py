"""An acknowledged write survives a crash, and a backup taken under load is whole.

The server runs as a real child process on a SQLite file. Eight writers create, edit and delete
check-ins over HTTP and keep a ledger of every write the server acknowledged (a 2xx response).
The server is killed with SIGKILL at a random moment, restarted on the same file, and every
acknowledged write must still be there with its content.

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
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import PROJECT_DIR
from api.store import keys, records
from api.store.db import Database, migrations
from tests.conftest import PASSWORD
from tests.server import ServerProcess

WRITERS = 8
ROUNDS = 10
DELETED = None  # the ledger's content of a deleted check-in
Content = dict[str, Any] | None

pytestmark = pytest.mark.slow


@dataclass
class Ledger:
    """What the client knows about every check-in it wrote.

    ``acked`` holds the content of the last write the server acknowledged for each id (``DELETED``
    after an acknowledged delete). ``in_flight`` holds a write that was sent but never answered
    because the server died: it may or may not have been applied, so both outcomes are allowed.
    """

    acked: dict[str, Content] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, Content] = field(default_factory=dict)

    def allowed(self, record_id: str) -> list[Content]:
        """The states the server may hold for an id: acknowledged, or an unanswered write."""
        states: list[Content] = [self.acked[record_id]] if record_id in self.acked else [DELETED]
        if record_id in self.in_flight:
            states.append(self.in_flight[record_id])
        return states

    def ids(self) -> set[str]:
        return set(self.acked) | set(self.in_flight)


def random_entry(rng: random.Random, label: str) -> dict[str, Any]:
    return {
        "day": (date(2025, 1, 1) + timedelta(days=rng.randrange(365))).isoformat(),
        "mood": rng.randint(0, 10),
        "tags": [rng.choice(["walk", "infusion", "therapy", "tired"])],
        "note": f"{label}: " + "".join(rng.choices("abcdefgh ", k=rng.randint(1, 200))),
    }


def content_of(stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The fields a client sent, as the server holds them (a GET body or the stored JSON)."""
    return {key: stored.get(key) for key in sent}


async def write_until_stopped(
    client: httpx.AsyncClient,
    ledger: Ledger,
    rng: random.Random,
    writer: int,
    *,
    creates_only: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Create (mostly), edit and delete this writer's own check-ins until the server goes away.

    Each writer touches only ids it created, so every edit names the right ``base_version`` and
    anything but a 2xx is a bug.
    """
    mine: list[str] = []
    count = 0
    while stop is None or not stop.is_set():
        count += 1
        body = random_entry(rng, f"writer {writer} write {count}")
        content: Content = body
        roll = rng.random()
        if creates_only or not mine or roll < 0.7:
            record_id = str(uuid.uuid4())
            request = client.build_request("PUT", f"/api/entries/{record_id}", json=body)
        elif roll < 0.9:
            record_id = rng.choice(mine)
            edit = {**body, "base_version": ledger.versions[record_id]}
            request = client.build_request("PUT", f"/api/entries/{record_id}", json=edit)
        else:
            record_id, content = mine.pop(rng.randrange(len(mine))), DELETED
            version = ledger.versions[record_id]
            request = client.build_request(
                "DELETE", f"/api/entries/{record_id}", params={"base_version": version}
            )
        ledger.in_flight[record_id] = content
        try:
            response = await client.send(request)
        except httpx.TransportError:
            return  # the server died; this write stays in flight
        assert response.is_success, (request.method, request.url, response.text)
        del ledger.in_flight[record_id]
        ledger.acked[record_id] = content
        if content is not DELETED:
            ledger.versions[record_id] = response.json()["version"]
            if record_id not in mine:
                mine.append(record_id)


def register_user(url: str) -> str:
    """Register the test's user and return the session cookie."""
    response = httpx.post(
        url + "/api/account", json={"username": "crash-test", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return response.cookies["waypoint_session"]


def session_client(url: str, cookie: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        cookies={"waypoint_session": cookie},
        limits=httpx.Limits(max_connections=WRITERS * 2),
        timeout=10,
    )


async def check_through_api(client: httpx.AsyncClient, ledger: Ledger, ids: set[str]) -> None:
    """GET each id and compare with what the ledger allows."""
    semaphore = asyncio.Semaphore(WRITERS)

    async def check(record_id: str) -> None:
        async with semaphore:
            response = await client.get(f"/api/entries/{record_id}")
        allowed = ledger.allowed(record_id)
        if response.status_code == 404:
            assert DELETED in allowed, f"acknowledged check-in {record_id} is missing"
            return
        assert response.status_code == 200, response.text
        found = response.json()
        assert any(
            state is not DELETED and content_of(found, state) == state for state in allowed
        ), f"check-in {record_id} holds {found}, expected one of {allowed}"

    async with asyncio.TaskGroup() as tasks:
        for record_id in ids:
            tasks.create_task(check(record_id))


def check_database_file(path: Path, ledger: Ledger) -> None:
    """Read the file directly: intact, and holding exactly what the ledger allows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = records.as_stored(conn, keys.offline_keyring(conn, path), "entry")
    finally:
        conn.close()
    stored = {
        record_id: DELETED if data is None else json.loads(data) for record_id, _, data in rows
    }
    assert set(stored) <= ledger.ids(), "the file holds check-ins nobody wrote"
    for record_id in ledger.ids():
        found = stored.get(record_id, DELETED)
        allowed = ledger.allowed(record_id)
        if found is DELETED:
            assert DELETED in allowed, f"acknowledged check-in {record_id} is missing"
        else:
            assert any(
                state is not DELETED and content_of(found, state) == state for state in allowed
            ), f"check-in {record_id} holds {found}, expected one of {allowed}"


async def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    db_path = tmp_path / "waypoint.sqlite3"
    server = ServerProcess(db_path)
    cookie = register_user(server.start())
    ledger = Ledger()
    acknowledged_per_round = []
    try:
        for round_number in range(ROUNDS):
            rng = random.Random(f"crash round {round_number}")
            before, earlier_ids = len(ledger.acked), ledger.ids()
            async with session_client(server.url, cookie) as client, asyncio.TaskGroup() as tasks:
                for n in range(WRITERS):
                    tasks.create_task(
                        write_until_stopped(client, ledger, random.Random(rng.random()), n)
                    )
                await asyncio.sleep(rng.uniform(0.05, 0.6))
                server.kill()
            acknowledged_per_round.append(len(ledger.acked) - before)

            server.start()  # the same file, as an operator would after a crash
            async with session_client(server.url, cookie) as client:
                await check_through_api(client, ledger, ledger.ids() - earlier_ids)
            check_database_file(db_path, ledger)  # every round's writes, read from the file
    finally:
        server.stop()
    check_database_file(db_path, ledger)
    assert sum(acknowledged_per_round) > ROUNDS * WRITERS, acknowledged_per_round


async def test_backup_under_load_is_consistent(tmp_path: Path) -> None:
    db_path, target = tmp_path / "waypoint.sqlite3", tmp_path / "backup.sqlite3"
    ledger = Ledger()
    stop = asyncio.Event()
    with ServerProcess(db_path) as server:
        cookie = register_user(server.url)
        async with session_client(server.url, cookie) as client, asyncio.TaskGroup() as tasks:
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
        assert content is not DELETED and content_of(in_backup[record_id], content) == content
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
