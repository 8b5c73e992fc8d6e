"""Files private, deleted text gone: the database files are 0600 whatever the umask, and an
account's deleted text is found neither in the database file nor in its WAL."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from api import cli
from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from tests.helpers import ENTRY, PASSWORD, TREATMENT, new_id

CANARY = "CANARY-deleted-note-5c1e"


@pytest.fixture
def wide_umask() -> Iterator[None]:
    before = os.umask(0o022)  # the common default: new files readable by everyone
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw_bytes(db_path: Path) -> bytes:
    files = [db_path, *(Path(f"{db_path}{suffix}") for suffix in ("-wal", "-shm"))]
    return b"".join(path.read_bytes() for path in files if path.exists())


@pytest.mark.usefixtures("wide_umask")
async def test_database_files_and_backups_are_private(tmp_path: Path) -> None:
    db_path = tmp_path / "w.sqlite3"
    settings = Settings(db_path=db_path, guides_dir=PROJECT_DIR / "guides")
    async with AsyncTestClient(app=create_app(settings)) as client:
        account = {"username": "sam", "password": PASSWORD}
        assert (await client.post("/api/account", json=account)).status_code == 201
        assert (await client.put(f"/api/entries/{new_id()}", json=ENTRY)).status_code == 201
        for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            assert mode(path) == 0o600, path
    assert cli.main(["backup", str(tmp_path / "copy.sqlite3"), "--db", str(db_path)]) == 0
    assert mode(tmp_path / "copy.sqlite3") == 0o600


@pytest.mark.usefixtures("wide_umask")
async def test_an_older_wider_file_is_tightened_at_start(tmp_path: Path) -> None:
    db_path = tmp_path / "w.sqlite3"
    db_path.touch(mode=0o644)
    settings = Settings(db_path=db_path, guides_dir=PROJECT_DIR / "guides")
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/healthz")).status_code == 200
    assert mode(db_path) == 0o600


async def test_a_deleted_accounts_text_is_not_left_in_the_files(tmp_path: Path) -> None:
    db_path = tmp_path / "w.sqlite3"
    settings = Settings(db_path=db_path, guides_dir=PROJECT_DIR / "guides")
    async with AsyncTestClient(app=create_app(settings)) as client:
        account = {"username": "sam", "password": PASSWORD}
        assert (await client.post("/api/account", json=account)).status_code == 201
        note = {**ENTRY, "note": CANARY}
        assert (await client.put(f"/api/entries/{new_id()}", json=note)).status_code == 201
        treatment = {**TREATMENT, "notes": CANARY}
        assert (await client.put(f"/api/treatments/{new_id()}", json=treatment)).status_code == 201
        assert CANARY.encode() in raw_bytes(db_path)  # the canary is really there first
        gone = await client.request("DELETE", "/api/account", json={"password": PASSWORD})
        assert gone.status_code == 204
        assert CANARY.encode() not in raw_bytes(db_path)
