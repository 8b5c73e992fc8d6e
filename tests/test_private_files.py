"""Files private, deleted text gone (issue 11, point 11): every file the server writes is
``0600`` whatever the umask, and an account's deletion leaves nothing of it in the raw bytes of
the database, its WAL or the key store."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import cli
from api.app import create_app
from api.settings import Settings
from api.store import keys
from api.store.db import configure
from tests.helpers import CANARY, PASSWORD, holding, new_id, raw_files, register, write_journal

Client = AsyncTestClient[Litestar]


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common default umask, under which files come out world-readable (0644)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.usefixtures("umask_022")
async def test_every_file_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "data" / "waypoint.sqlite3")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client, "ana")
        await write_journal(client, "ana")
        store = keys.key_store_path(settings.db_path)
        live = [
            settings.db_path,
            Path(f"{settings.db_path}-wal"),
            Path(f"{settings.db_path}-shm"),
            settings.key_path,
            store,
            Path(f"{store}-wal"),
            Path(f"{store}-shm"),
        ]
        assert {path.name: mode(path) for path in live} == {path.name: 0o600 for path in live}
        backup, key_backup = tmp_path / "backup.sqlite3", tmp_path / "backup.keys"
        assert cli.main(["backup", str(backup), "--db", str(settings.db_path)]) == 0
        assert cli.main(["backup", "--keys", str(key_backup), "--db", str(settings.db_path)]) == 0
        assert mode(backup) == 0o600
        assert mode(key_backup) == 0o600
    # A file the umask made world-readable (an older version's) is tightened at start-up.
    os.chmod(settings.db_path, 0o644)
    async with AsyncTestClient(app=create_app(settings)):
        assert mode(settings.db_path) == 0o600


def key_id_and_secrets(db_path: Path, username: str) -> tuple[bytes, list[bytes], bytes]:
    """An account's key id, its sealed record texts and its wrapped data key, as stored."""
    conn = sqlite3.connect(db_path)
    try:
        user_id, key_id = conn.execute(
            "SELECT id, key_id FROM users WHERE username = ?", (username,)
        ).fetchone()
        secrets = [
            row[0]
            for row in conn.execute(
                "SELECT secret FROM records WHERE user_id = ? AND secret IS NOT NULL", (user_id,)
            )
        ]
    finally:
        conn.close()
    store = sqlite3.connect(keys.key_store_path(db_path))
    try:
        (wrapped,) = store.execute(
            "SELECT wrapped FROM data_keys WHERE key_id = ?", (key_id,)
        ).fetchone()
    finally:
        store.close()
    return key_id, secrets, wrapped


async def test_a_deleted_account_leaves_nothing_in_the_raw_files(
    client: Client, other: Client, settings: Settings
) -> None:
    name = f"{CANARY}-name"
    await register(client, "alice", display_name=name)
    await write_journal(client, "alice")
    for day in range(1, 29):  # enough pages that deleted ones would be left in free pages
        body = {"day": f"2026-11-{day:02d}", "mood": 5, "note": f"{CANARY} {'x' * 2000}"}
        assert (await client.put(f"/api/entries/{new_id()}", json=body)).status_code == 201
    await register(other, "bob")
    await write_journal(other, "bob")
    key_id, secrets, wrapped = key_id_and_secrets(settings.db_path, "alice")
    assert holding(settings.db_path, name.encode()) != []  # a display name is plain text
    assert holding(settings.db_path, wrapped) != []
    assert len(secrets) == 31
    gone = await client.request("DELETE", "/api/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    # Nothing of Alice in any file: not her name, not her sealed texts, not her wrapped key.
    for needle in (name.encode(), b"alice", key_id, wrapped, *secrets):
        assert holding(settings.db_path, needle) == []
    # The WAL files were checkpointed and truncated, not left holding old pages.
    files = raw_files(settings.db_path)
    assert files.get("waypoint.sqlite3-wal", b"") == b""
    assert files.get("waypoint.sqlite3.keys-wal", b"") == b""
    # Bob is untouched.
    assert (await other.get("/api/entries")).json()[0]["note"] == f"{CANARY}-bob"


async def test_connections_overwrite_deleted_content(settings: Settings, client: Client) -> None:
    await register(client, "ana")
    conn = sqlite3.connect(settings.db_path)
    try:
        configure(conn)
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    finally:
        conn.close()
