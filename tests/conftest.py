"""Shared fixtures: a real database per test (a SQLite file, or the session's PostgreSQL), the
real app, real HTTP through AsyncTestClient.

Fixtures (and pytest hooks) only; the helper functions and sample records live in
``tests/helpers.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from api.store.pg import run_migrations
from tests import pg_cluster
from tests.helpers import ENGINES, TEST_DATABASE, empty_pg_database, register


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


@pytest.fixture
def settings(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> Settings:
    url = empty_pg_database(request.getfixturevalue("postgres")) if engine == "postgresql" else ""
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


@pytest.fixture
async def alice(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    await register(client, "alice", timezone="America/New_York")
    return client


@pytest.fixture
async def bob(other: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    await register(other, "bob")
    return other
