"""Heavy imports: checked whole first, written in batches that interleave with other users'
writes, hidden from the changes feed until done, and undone whole when a batch fails or the
process dies (``api/store/imports.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import httpx
import msgspec
import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.domain.accounts import User
from api.domain.archive import ImportResult, Staged, archive_records, read_archive
from api.domain.errors import Busy
from api.domain.kinds import KINDS
from api.settings import Settings
from api.store import imports, records, users
from api.store.db import Database
from api.store.engine import open_database
from tests.helpers import new_id, rows_left
from tests.server import ServerProcess

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
CANARY = "import canary 7f3a"
NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
ENTRY = KINDS["entry"]
ABANDON_AFTER = 30.0


def archive_of(count: int, note: str = "") -> dict[str, Any]:
    first = date(1960, 1, 1)
    entries = [
        {
            "id": new_id(),
            "version": 1,
            "day": (first + timedelta(days=n // 3)).isoformat(),
            "time": f"{8 + n % 3 * 5:02d}:00:00",
            "mood": n % 11,
            "note": f"{note} {n}" if note else "",
        }
        for n in range(count)
    ]
    return {"format": "waypoint-archive", "version": 1, "entries": entries}


def count_of(settings: Settings, sql: str) -> int:
    return int(rows_left(settings, sql)[0][0])


IMPORTED = "SELECT COUNT(*) FROM records WHERE import_id IS NOT NULL"
RUNNING = "SELECT COUNT(*) FROM imports"


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    """Batches of 50 records, so a few thousand records make dozens of write transactions."""
    monkeypatch.setattr(imports, "BATCH", 50)
    return 50


class Person(NamedTuple):
    username: str
    display_name: str = ""
    timezone: str = "UTC"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    opened = await open_database(settings)
    yield opened
    await opened.close()


async def account(db: Database, username: str) -> User:
    _, made = await db.write(
        users.register, db.keyring, Person(username), "not-a-hash", "test", NOW
    )
    found = await db.read(users.account_row, username)
    assert found is not None
    assert made.username == username
    return await db.read(users.user_by_id, found[0])


class Progress:
    """The records of an archive as the import consumes them; ``started`` is set once the
    import asks for its second batch, that is, once its first batch is committed."""

    def __init__(self, archive: dict[str, Any]) -> None:
        self.file = read_archive(msgspec.json.encode(archive))
        self.started = asyncio.Event()

    def __iter__(self) -> Iterator[Staged]:
        for count, staged in enumerate(archive_records(self.file, UTC_ZONE, NOW)):
            if count == imports.BATCH:
                self.started.set()
            yield staged


def start(db: Database, user: User, progress: Progress) -> asyncio.Task[ImportResult]:
    return asyncio.create_task(
        imports.run_import(db, user.id, progress, {}, lambda: NOW, ABANDON_AFTER)
    )


async def imported(db: Database) -> int:
    return int((await db.read(lambda conn: conn.execute(IMPORTED).fetchone()))[0])


async def put_entry(db: Database, user: User, record_id: str, mood: int, note: str = "") -> bool:
    body = ENTRY.validate({"day": "2026-06-01", "mood": mood, "note": note})
    encoded = ENTRY.encode(body, UTC_ZONE, NOW)
    created, _ = await db.write(
        records.put_row, db.keyring, user.id, "entry", record_id, None, encoded, NOW.isoformat()
    )
    return created


async def test_another_users_write_lands_between_two_batches(
    db: Database, small_batches: int
) -> None:
    alice, bob = await account(db, "alice"), await account(db, "bob")
    total = 5000
    progress = Progress(archive_of(total))
    importing = start(db, alice, progress)
    await progress.started.wait()
    encoded = ENTRY.encode(ENTRY.validate({"day": "2026-06-01", "mood": 5}), UTC_ZONE, NOW)

    def bob_writes(conn: sqlite3.Connection) -> int:
        """Bob's check-in, and how much of Alice's file was stored when his write ran."""
        records.put_row(conn, db.keyring, bob.id, "entry", new_id(), None, encoded, "now")
        return int(conn.execute(IMPORTED).fetchone()[0])

    # Bob's write ran while most of Alice's file was still to come: the import gives the
    # writer back after every batch instead of holding it for the whole file.
    assert await db.write(bob_writes) <= 3 * small_batches
    assert not importing.done()
    result = await importing
    assert (result.created, result.conflicts) == (total, 0)
    assert await imported(db) == total
    assert await db.read(lambda conn: conn.execute(RUNNING).fetchone()[0]) == 0


@pytest.mark.usefixtures("small_batches")
async def test_the_changes_feed_carries_an_import_only_once_it_is_done(db: Database) -> None:
    alice = await account(db, "alice")
    before = new_id()
    await put_entry(db, alice, before, 5)
    archive = archive_of(3000)
    progress = Progress(archive)
    importing = start(db, alice, progress)
    await progress.started.wait()
    # A second device pulls while the file is half written: it gets what came before the
    # import, and nothing of the import.
    during = await records.changes(db, alice, 0, 1000)
    assert [c.id for c in during.changes] == [before]
    assert not importing.done()
    await importing
    pulled: set[str] = set()
    since = during.next
    while True:
        page = await records.changes(db, alice, since, 1000)
        pulled.update(change.id for change in page.changes)
        since = page.next
        if not page.more:
            break
    assert pulled == {entry["id"] for entry in archive["entries"]}


@pytest.mark.usefixtures("small_batches")
async def test_a_second_import_into_the_same_account_waits_its_turn(db: Database) -> None:
    alice, bob = await account(db, "alice"), await account(db, "bob")
    progress = Progress(archive_of(3000))
    first = start(db, alice, progress)
    await progress.started.wait()
    with pytest.raises(Busy):
        await imports.run_import(db, alice.id, Progress(archive_of(10)), {}, lambda: NOW, 30)
    # Another account imports at the same time.
    other = await imports.run_import(db, bob.id, Progress(archive_of(10)), {}, lambda: NOW, 30)
    assert other.created == 10
    assert (await first).created == 3000


FAIL_SQLITE = (
    "CREATE TRIGGER fail_import BEFORE INSERT ON records WHEN NEW.id = '{id}' "
    "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
)
FAIL_PG = (
    "CREATE FUNCTION fail_import() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.id = '{id}' THEN RAISE EXCEPTION 'the disk is full'; END IF; RETURN NEW; END $$; "
    "CREATE TRIGGER fail_import BEFORE INSERT ON records FOR EACH ROW "
    "EXECUTE FUNCTION fail_import()"
)


def fail_on_insert_of(settings: Settings, record_id: str) -> None:
    """A real storage failure in the middle of an import: the database itself refuses one row."""
    if settings.database_url:
        with psycopg.connect(settings.database_url) as pg:
            pg.execute(FAIL_PG.format(id=record_id))
        return
    rows_left(settings, FAIL_SQLITE.format(id=record_id))


def stop_failing(settings: Settings) -> None:
    if settings.database_url:
        with psycopg.connect(settings.database_url) as pg:
            pg.execute("DROP TRIGGER fail_import ON records; DROP FUNCTION fail_import()")
        return
    rows_left(settings, "DROP TRIGGER fail_import")


@pytest.mark.usefixtures("small_batches")
async def test_a_failing_batch_undoes_the_whole_import(alice: Client, settings: Settings) -> None:
    kept = await alice.put(f"/api/entries/{new_id()}", json={"day": "2026-06-01", "mood": 5})
    archive = archive_of(1000, note=CANARY)
    fail_on_insert_of(settings, archive["entries"][730]["id"])  # in the 15th batch of 50
    try:
        response = await alice.post("/api/import/archive", json=archive)
    finally:
        stop_failing(settings)
    assert response.status_code == 500
    assert CANARY not in response.text
    # The fourteen batches written before the failure are gone, and nothing else was touched.
    entries = (await alice.get("/api/entries?from=1950-01-01&limit=5000")).json()
    assert [e["id"] for e in entries] == [kept.json()["id"]]
    assert count_of(settings, "SELECT COUNT(*) FROM records WHERE import_id IS NOT NULL") == 0
    assert count_of(settings, "SELECT COUNT(*) FROM imports") == 0
    # The same file imports whole once the storage works again.
    again = await alice.post("/api/import/archive", json=archive)
    assert again.status_code == 200
    assert again.json()["created"] == 1000


@pytest.mark.usefixtures("small_batches")
async def test_a_write_of_the_owner_during_an_import_survives_its_undo(
    db: Database, settings: Settings
) -> None:
    alice = await account(db, "alice")
    archive = archive_of(2000)
    edited = archive["entries"][0]["id"]
    fail_on_insert_of(settings, archive["entries"][-1]["id"])
    try:
        progress = Progress(archive)
        importing = start(db, alice, progress)
        await progress.started.wait()
        # Alice edits an imported record from her phone before the import fails: it is hers now.
        assert not await put_entry(db, alice, edited, 9, "mine")
        with pytest.raises(Exception, match="the disk is full"):
            await importing
    finally:
        stop_failing(settings)
    kept = await db.read(
        records.rows_between, db.keyring, alice.id, "entry", "1950-01-01", "2100-12-31", 5000
    )
    assert [row.id for row in kept] == [edited]
    assert b"mine" in (kept[0].data or b"")


@pytest.mark.slow
def test_an_import_killed_mid_way_is_undone_when_the_server_comes_back(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    env = {"WAYPOINT_IMPORT_ABANDON_SECONDS": "0.5"}
    if engine == "postgresql":
        settings: Settings = request.getfixturevalue("settings")
        env["WAYPOINT_DATABASE_URL"] = settings.database_url
        env["WAYPOINT_KEY_FILE"] = str(tmp_path / "waypoint.key")
    db_path = tmp_path / "kill.sqlite3"
    where = (
        request.getfixturevalue("settings") if engine == "postgresql" else Settings(db_path=db_path)
    )
    archive = archive_of(60_000, note=CANARY)
    with ServerProcess(db_path, env=env) as server:
        made = httpx.post(
            f"{server.url}/api/account", json={"username": "ana", "password": PASSWORD}
        )
        assert made.status_code == 201
        cookie = {"cookie": "waypoint_session=" + made.cookies["waypoint_session"]}

        def send() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server dies under it
                httpx.post(
                    f"{server.url}/api/import/archive", json=archive, headers=cookie, timeout=60
                )

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 60
        while count_of(where, "SELECT COUNT(*) FROM records WHERE import_id IS NOT NULL") < 1000:
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        server.kill()
        sender.join()
        assert count_of(where, "SELECT COUNT(*) FROM imports") == 1
        time.sleep(0.6)  # longer than the abandon time: the import is taken for dead
        server.start()
        deadline = time.monotonic() + 30
        while count_of(where, "SELECT COUNT(*) FROM imports") != 0:
            assert time.monotonic() < deadline, "the sweep never undid the dead import"
            time.sleep(0.05)
        assert count_of(where, "SELECT COUNT(*) FROM records") == 0
        listed = httpx.get(f"{server.url}/api/entries?from=1950-01-01", headers=cookie)
        assert listed.json() == []


async def test_a_second_upload_into_the_same_account_is_refused_before_its_body_is_read(
    app: Litestar, alice: Client
) -> None:
    """The database's check (above) comes only after a whole file is in memory and checked, so
    without an earlier one a single account could hold any number of 64 MB bodies at once."""
    body = msgspec.json.encode(archive_of(3))
    portal = alice.blocking_portal
    reading, finish = asyncio.Event(), asyncio.Event()
    sent: list[Any] = []
    cookie = "; ".join(f"{name}={value}" for name, value in alice.cookies.items())
    scope: Any = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/import/archive",
        "raw_path": b"/api/import/archive",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"cookie", cookie.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
    }
    chunks = [body[:10], body[10:]]

    async def receive() -> Any:  # the first upload sends 10 bytes, then waits for ``finish``
        if len(chunks) == 1:
            reading.set()
            await finish.wait()
        return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

    async def send(message: Any) -> None:
        sent.append(message)

    async def first_upload() -> None:
        await app(scope, receive, send)

    async def release() -> None:
        finish.set()

    uploading = asyncio.wrap_future(portal.start_task_soon(first_upload))
    try:
        await asyncio.wrap_future(portal.start_task_soon(reading.wait))
        second = await alice.post(
            "/api/import/archive", content=body, headers={"content-type": "application/json"}
        )
    finally:
        await asyncio.wrap_future(portal.start_task_soon(release))
        await uploading
    assert second.status_code == 409, second.text
    assert sent[0]["status"] == 200
    third = await alice.post(  # once it is done, the next one is welcome (and changes nothing)
        "/api/import/archive", content=body, headers={"content-type": "application/json"}
    )
    assert third.json()["unchanged"] == 3
