"""Shared fixtures: a real SQLite file per test, the real app, real HTTP through AsyncTestClient."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from api.store.pg import run_migrations
from tests import pg_cluster

PASSWORD = "correct horse battery"


ENGINES = ("sqlite", "postgresql")
TEST_DATABASE = "waypoint_test"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets ``BOTH_ENGINES = True`` runs each of its app tests on SQLite and on
    PostgreSQL; the others run on SQLite only (the ``engine`` fixture's default)."""
    if "engine" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_ENGINES", False):
        metafunc.parametrize("engine", ENGINES)


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg_cluster.Cluster]:
    """One throwaway PostgreSQL server for the session, with one migrated database that every
    test empties first (creating a database per test costs half a second)."""
    cluster = pg_cluster.start()
    try:
        run_migrations(cluster.create_database(TEST_DATABASE))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def engine() -> str:
    return "sqlite"


def empty_pg_database(request: pytest.FixtureRequest) -> str:
    """The URL of the migrated test database, every table emptied (the migrations' record and
    the guide index, rebuilt at every start, stay)."""
    cluster: pg_cluster.Cluster = request.getfixturevalue("postgres")
    url = cluster.url(TEST_DATABASE)
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('schema_migrations', 'guide_search')"
            )
        ]
        for table in tables:  # DELETE: ten times faster than TRUNCATE on tables this small
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 (names from the catalogue)
    return url


@pytest.fixture
def settings(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> Settings:
    url = empty_pg_database(request) if engine == "postgresql" else ""
    return Settings(
        db_path=tmp_path / "waypoint.sqlite3", database_url=url, guides_dir=PROJECT_DIR / "guides"
    )


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client that runs the app's lifespan (opens the database)."""
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def other(app: Litestar, client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    """A second browser on the same running app (its own cookies; the lifespan is shared).

    AsyncTestClient runs the app on an event loop in a portal thread; the second client must use
    the same portal, or the app's database would be driven from two event loops.
    """
    second = AsyncTestClient(app=app)
    second.blocking_portal = client.blocking_portal
    return second


async def register(
    client: AsyncTestClient[Litestar], username: str = "alice", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/account", json={"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def alice(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    await register(client, "alice", timezone="America/New_York")
    return client


@pytest.fixture
async def bob(other: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    await register(other, "bob")
    return other


def new_id() -> str:
    return str(uuid.uuid4())


ENTRY = {"day": "2026-11-20", "mood": 6, "anxiety": 3, "tags": ["walk"], "note": "slept ok"}
TREATMENT = {
    "at": "2026-11-18T10:00:00-05:00",
    "kind": "iv_infusion",
    "status": "done",
    "dose_mg": 35.0,
    "side_effects": ["nausea"],
}


def use_session(client: AsyncTestClient[Litestar], cookie: str | None) -> None:
    """Make a client present a given session cookie (an old one, or one from before a restart)."""
    client.cookies.clear()
    if cookie:
        client.cookies.set("waypoint_session", cookie, domain="testserver.local")


def rows_left(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    """Run one query straight on the test's database, whichever engine it is."""
    if settings.database_url:
        with psycopg.connect(settings.database_url) as pg:
            return pg.execute(sql).fetchall()
    conn = sqlite3.connect(settings.db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def empty_journal(where: Path | Settings) -> None:
    """Delete every record (accounts and sessions stay), between examples of a property test."""
    if isinstance(where, Settings) and where.database_url:
        with psycopg.connect(where.database_url) as pg:
            pg.execute("DELETE FROM records")
        return
    db_path = where.db_path if isinstance(where, Settings) else where
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("DELETE FROM records")
    finally:
        conn.close()
