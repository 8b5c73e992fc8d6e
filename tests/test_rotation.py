"""``waypoint rotate-key`` on SQLite and on PostgreSQL: every data key re-wrapped under a new
server key (the old key file opens none of them, the new one all), every record's text reads
back, an interrupted rotation is finished by running it again, and servers that keep running
follow the new key — or, with an out-of-date key file, refuse to make keys until it is copied.

The command runs as a real process (``python -m api rotate-key``), as an operator runs it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import msgspec
import psycopg
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.domain import crypto
from api.settings import PROJECT_DIR, Settings
from api.store import engine, keys, rotation
from tests.helpers import CANARY, PASSWORD, empty_pg_database, register, write_journal
from tests.server import ServerProcess

BOTH_ENGINES = True


async def waypoint(
    settings: Settings, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``waypoint`` command on the test's database, as a process of its own."""
    command = [sys.executable, "-m", "api", *args, "--db", str(settings.db_path)]
    if settings.database_url:
        command += ["--database-url", settings.database_url]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    return await asyncio.to_thread(
        subprocess.run,
        command,
        cwd=PROJECT_DIR,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def stored_data_keys(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Every (key id, wrapped data key): the ``<db>.keys`` file on SQLite, the ``keystore``
    schema on PostgreSQL."""
    if settings.database_url:
        with psycopg.connect(settings.database_url) as pg:
            rows = pg.execute("SELECT key_id, wrapped FROM keystore.data_keys").fetchall()
    else:
        store = sqlite3.connect(keys.key_store_path(settings.db_path))
        try:
            rows = store.execute("SELECT key_id, wrapped FROM data_keys").fetchall()
        finally:
            store.close()
    return [(bytes(key_id), bytes(wrapped)) for key_id, wrapped in rows]


def assert_wrapped_under(settings: Settings, new_key: bytes, old_key: bytes, count: int) -> None:
    """Every stored data key opens with ``new_key``, and none with ``old_key``."""
    stored = stored_data_keys(settings)
    assert len(stored) == count
    for key_id, wrapped in stored:
        with pytest.raises(crypto.CannotDecrypt):
            crypto.unwrap(crypto.cipher(old_key), key_id, wrapped)
        assert len(crypto.unwrap(crypto.cipher(new_key), key_id, wrapped)) == crypto.KEY_BYTES


async def journal_reads_back(client: httpx.AsyncClient, who: str, ids: dict[str, str]) -> None:
    """Every private field that ``write_journal`` sealed opens and reads as it was written."""
    mark = f"{CANARY}-{who}"
    entry = (await client.get(f"/api/entries/{ids['entries']}")).json()
    assert (entry["note"], entry["tags"]) == (mark, [f"{mark}-tag"])
    treatment = (await client.get(f"/api/treatments/{ids['treatments']}")).json()
    texts = (treatment["clinic"], treatment["notes"], treatment["side_effects"])
    assert texts == (f"{mark}-clinic", f"{mark}-notes", [f"{mark}-nausea"])
    assessment = (await client.get(f"/api/assessments/{ids['assessments']}")).json()
    assert (assessment["answers"], assessment["difficulty"]) == ([1, 2, 1, 1, 0, 1, 2, 1, 0], 1)


async def log_in(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    response = await client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def two_journals(settings: Settings) -> dict[str, dict[str, str]]:
    """Two accounts, each with one record of every kind; the record ids by account."""
    written = {}
    async with AsyncTestClient(app=create_app(settings)) as client:
        for who in ("ana", "bob"):
            client.cookies.clear()
            await register(client, who)
            written[who] = await write_journal(client, who)
    return written


async def test_rotate_key_rewraps_every_data_key(settings: Settings) -> None:
    written = await two_journals(settings)
    old_key = keys.read_key_file(settings.key_path)
    done = await waypoint(settings, "rotate-key")
    assert done.returncode == 0, done.stderr
    assert f"Re-wrapped 2 data keys under a new server key in {settings.key_path}" in done.stdout
    new_key = keys.read_key_file(settings.key_path)
    assert new_key != old_key
    assert_wrapped_under(settings, new_key, old_key, count=2)
    assert not keys.old_key_path(settings.key_path).exists()
    assert not settings.key_path.with_name(settings.key_path.name + ".new").exists()
    assert settings.key_path.stat().st_mode & 0o777 == 0o600
    async with AsyncTestClient(app=create_app(settings)) as client:
        for who, ids in written.items():
            await log_in(client, who)
            await journal_reads_back(client, who, ids)


# Where a rotation can stop (rotation.rotate's steps): .old and .new written, the key file not
# yet replaced; the new key in place, the re-wrapping not committed; committed, .old not removed.
STAGES = ("before-rename", "before-commit", "after-commit")


@pytest.mark.parametrize("stage", STAGES)
async def test_an_interrupted_rotation_is_finished_by_running_it_again(
    settings: Settings, stage: str
) -> None:
    written = await two_journals(settings)
    first, second = keys.read_key_file(settings.key_path), crypto.new_key()
    keys.write_key_file(keys.old_key_path(settings.key_path), first)
    keys.write_key_file(settings.key_path.with_name(settings.key_path.name + ".new"), second)
    if stage != "before-rename":
        os.replace(settings.key_path.with_name(settings.key_path.name + ".new"), settings.key_path)
    if stage == "after-commit":
        db = await engine.open_without_keyring(engine.url_of(settings))
        try:
            await db.write(rotation.rewrap_all, crypto.cipher(first), crypto.cipher(second))
        finally:
            await db.close()
    with pytest.raises(SystemExit, match="run it again"):  # no server starts meanwhile
        await engine.open_database(settings)
    done = await waypoint(settings, "rotate-key")
    assert done.returncode == 0, done.stderr
    third = keys.read_key_file(settings.key_path)
    assert_wrapped_under(settings, third, second if stage == "after-commit" else first, count=2)
    assert not keys.old_key_path(settings.key_path).exists()
    async with AsyncTestClient(app=create_app(settings)) as client:
        for who, ids in written.items():
            await log_in(client, who)
            await journal_reads_back(client, who, ids)


async def test_a_running_server_follows_the_rotation(settings: Settings) -> None:
    env = {"WAYPOINT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    with ServerProcess(settings.db_path, env=env) as server:
        async with (
            httpx.AsyncClient(base_url=server.url) as ana,
            httpx.AsyncClient(base_url=server.url) as bea,
            httpx.AsyncClient(base_url=server.url) as cy,
        ):
            await register(ana, "ana")
            ana_ids = await write_journal(ana, "ana")  # ana's data key: unwrapped, in memory
            await register(bea, "bea")  # bea's: stored, never unwrapped by the server yet
            old_key = keys.read_key_file(settings.key_path)
            done = await waypoint(settings, "rotate-key")
            assert done.returncode == 0, done.stderr
            await journal_reads_back(ana, "ana", ana_ids)
            bea_ids = await write_journal(bea, "bea")  # opens bea's key under the new key
            await journal_reads_back(bea, "bea", bea_ids)
            await register(cy, "cyd")  # a new data key, wrapped under the new key
            cy_ids = await write_journal(cy, "cyd")
    new_key = keys.read_key_file(settings.key_path)
    assert_wrapped_under(settings, new_key, old_key, count=3)
    with ServerProcess(settings.db_path, env=env) as server:  # a restart reads the new key
        async with httpx.AsyncClient(base_url=server.url) as client:
            for who, ids in (("ana", ana_ids), ("bea", bea_ids), ("cyd", cy_ids)):
                await log_in(client, who)
                await journal_reads_back(client, who, ids)


async def test_an_app_server_with_the_old_key_file_waits_for_the_new_one(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two app servers, each with its own copy of the key file (two machines); the key is
    rotated on the first. The second neither serves keys it has not opened nor makes keys
    under the retired key; once the new key file is copied to it, it serves everything, with no
    restart. A server started with the old file refuses to start."""
    url = empty_pg_database(request.getfixturevalue("postgres"))
    here, there = tmp_path / "here.key", tmp_path / "there.key"
    keys.write_key_file(here, crypto.new_key())
    shutil.copyfile(here, there)
    settings = Settings(db_path=tmp_path / "here.sqlite3", database_url=url, key_file=str(here))
    first = ServerProcess(
        tmp_path / "a.sqlite3", env={"WAYPOINT_DATABASE_URL": url, "WAYPOINT_KEY_FILE": str(here)}
    )
    second = ServerProcess(
        tmp_path / "b.sqlite3", env={"WAYPOINT_DATABASE_URL": url, "WAYPOINT_KEY_FILE": str(there)}
    )
    with first, second:
        async with (
            httpx.AsyncClient(base_url=first.url) as ana,
            httpx.AsyncClient(base_url=second.url) as cy,
        ):
            await register(ana, "ana")
            ana_ids = await write_journal(ana, "ana")
            done = await waypoint(settings, "rotate-key", env={"WAYPOINT_KEY_FILE": str(here)})
            assert done.returncode == 0, done.stderr
            assert "Copy it now to every other app server" in done.stdout
            await log_in(cy, "ana")  # on the second server, which never opened ana's key
            unopened = await cy.get(f"/api/entries/{ana_ids['entries']}")
            assert unopened.status_code == 500
            assert CANARY not in unopened.text
            refused = await cy.post("/api/account", json={"username": "cyd", "password": PASSWORD})
            assert refused.status_code == 500
            assert len(stored_data_keys(settings)) == 1  # ana's: none was added under the old
            with pytest.raises(SystemExit, match="copy it here"):
                await engine.open_database(msgspec.structs.replace(settings, key_file=str(there)))
            shutil.copyfile(here, tmp_path / "copied.key")
            os.replace(tmp_path / "copied.key", there)  # how an operator copies it: atomically
            await journal_reads_back(cy, "ana", ana_ids)
            cy.cookies.clear()
            await register(cy, "cyd")
            cy_ids = await write_journal(cy, "cyd")
            await journal_reads_back(cy, "cyd", cy_ids)
    assert keys.read_key_file(there) == keys.read_key_file(here)
    stored = stored_data_keys(settings)
    assert len(stored) == 2
    server = crypto.cipher(keys.read_key_file(here))
    for key_id, wrapped in stored:
        crypto.unwrap(server, key_id, wrapped)


def waiting_for_the_key_table(url: str) -> bool:
    """Whether some transaction waits for a lock on the key table (PostgreSQL's own view)."""
    with psycopg.connect(url, autocommit=True) as pg:
        row = pg.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted "
            "AND relation = 'keystore.data_keys'::regclass"
        ).fetchone()
    return bool(row and row[0])


async def test_a_key_added_during_the_rotation_is_rewrapped_too(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A registration on another app server, its data key inserted but not yet committed when
    the rotation starts: the rotation waits for it and re-wraps that key as well (without the
    table lock it would miss the key, left wrapped under the retired server key)."""
    url = empty_pg_database(request.getfixturevalue("postgres"))
    settings = Settings(db_path=tmp_path / "waypoint.sqlite3", database_url=url)
    await two_journals(settings)
    old_key = keys.read_key_file(settings.key_path)
    key_id, data_key = os.urandom(keys.KEY_ID_BYTES), crypto.new_key()
    with psycopg.connect(url) as registering:
        registering.execute(
            "INSERT INTO keystore.data_keys (key_id, wrapped, created_at) VALUES (%s, %s, %s)",
            (key_id, crypto.wrap(crypto.cipher(old_key), key_id, data_key), "2026-12-01"),
        )
        rotating = asyncio.create_task(waypoint(settings, "rotate-key"))
        while not waiting_for_the_key_table(url):  # or it finished without waiting
            finished, _ = await asyncio.wait({rotating}, timeout=0.05)
            if finished:
                break
        registering.commit()
    done = await rotating
    assert done.returncode == 0, done.stderr
    assert "Re-wrapped 3 data keys" in done.stdout
    assert_wrapped_under(settings, keys.read_key_file(settings.key_path), old_key, count=3)
