"""``waypoint copy``: a clinic's SQLite file moved onto PostgreSQL, checked table by table, and
the service carries on there: the same log-ins, records, share links and change feed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from tests import pg_cluster
from tests.helpers import ENTRY, PASSWORD, TREATMENT, new_id, register


def waypoint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def target(postgres: pg_cluster.Cluster) -> Iterator[str]:
    name = "copy_" + uuid.uuid4().hex[:12]
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)


async def test_copy_moves_everything_and_the_service_carries_on(
    tmp_path: Path, target: str
) -> None:
    source = Settings(db_path=tmp_path / "clinic.sqlite3", guides_dir=PROJECT_DIR / "guides")
    entry, treatment = new_id(), new_id()
    async with AsyncTestClient(app=create_app(source)) as client:
        await register(client, "Ben")
        await register(client, "ana", timezone="Europe/Paris")  # the client is ana's from here
        assert (await client.put(f"/api/entries/{entry}", json=ENTRY)).status_code == 201
        await client.put(f"/api/treatments/{treatment}", json=TREATMENT)
        share = await client.post(
            "/api/shares", json={"audience": "family", "include_schedule": True}
        )
        assert share.status_code == 201, share.text
        before = (await client.get("/api/changes", params={"since": 0})).json()

    copied = waypoint("copy", "--from", f"sqlite:///{source.db_path}", "--to", target)
    assert copied.returncode == 0, copied.stderr
    for table, rows in (("users", 2), ("records", 2), ("sessions", 2), ("shares", 1)):
        assert f"{table}: {rows} rows, checksum " in copied.stdout
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM records").fetchone() == (2,)

    # The PostgreSQL servers use the deployment's key file: the copied data keys are wrapped by it.
    moved = Settings(
        database_url=target, key_file=str(source.key_path), guides_dir=PROJECT_DIR / "guides"
    )
    async with AsyncTestClient(app=create_app(moved)) as client:
        # The same password logs in; usernames stay case-insensitive.
        logged_in = await client.post(
            "/api/session", json={"username": "BEN", "password": PASSWORD}
        )
        assert logged_in.status_code == 200
        assert (
            await client.post("/api/account", json={"username": "ANA", "password": PASSWORD})
        ).status_code == 409
        await client.post("/api/session", json={"username": "ana", "password": PASSWORD})
        assert (await client.get(f"/api/entries/{entry}")).json()["mood"] == ENTRY["mood"]
        # A device that had synced carries on from its cursor: the next change comes after it.
        cursor = before["next"]
        changed = await client.put(
            f"/api/entries/{entry}", json={**ENTRY, "mood": 3, "base_version": 1}
        )
        assert changed.status_code == 200
        page = (await client.get("/api/changes", params={"since": cursor})).json()
        assert [c["id"] for c in page["changes"]] == [entry]
        # New accounts get new ids.
        assert (
            await client.post("/api/account", json={"username": "cyd", "password": PASSWORD})
        ).status_code == 201


def test_copy_refuses_a_target_that_is_not_empty(tmp_path: Path, target: str) -> None:
    source = tmp_path / "clinic.sqlite3"
    first = waypoint("migrate", "--db", str(source))
    assert first.returncode == 0, first.stderr
    with psycopg.connect(target) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citext")
    assert waypoint("migrate", "--database-url", target).returncode == 0
    with psycopg.connect(target) as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash, created_at) VALUES ('x', 'x', 'now')"
        )
    refused = waypoint("copy", "--from", f"sqlite:///{source}", "--to", target)
    assert refused.returncode == 1
    assert "The target's users table is not empty" in refused.stderr
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (1,)


def test_copy_names_what_it_needs(tmp_path: Path) -> None:
    missing = waypoint(
        "copy",
        "--from",
        f"sqlite:///{tmp_path / 'none.sqlite3'}",
        "--to",
        "postgresql://x@127.0.0.1:1/x",
    )
    assert missing.returncode == 1
    assert "There is no SQLite file at" in missing.stderr
    wrong = waypoint("copy", "--from", "mysql://x", "--to", "postgresql://x@127.0.0.1:1/x")
    assert wrong.returncode == 1
    assert "sqlite:///" in wrong.stderr


def test_backup_on_postgresql_explains_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://clinic:s3cret@db.example:5432/waypoint"
    told = waypoint("backup", str(tmp_path / "b.sqlite3"), "--database-url", url)
    assert told.returncode == 2
    assert "pg_dump --format=custom" in told.stderr
    assert "s3cret" not in told.stderr + told.stdout  # the password is never printed
    assert not (tmp_path / "b.sqlite3").exists()
