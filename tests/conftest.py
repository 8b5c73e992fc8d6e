"""Shared fixtures: a real SQLite file per test, the real app, real HTTP through AsyncTestClient.

Fixtures only; the helper functions and sample records live in ``tests/helpers.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from tests.helpers import register


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "waypoint.sqlite3", guides_dir=PROJECT_DIR / "guides")


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
