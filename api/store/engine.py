"""Which engine a deployment runs on: ``database_url`` names it, ``open_database`` opens it.

``sqlite:///relative/path`` and ``sqlite:////absolute/path`` (three slashes, then the path, as
SQLAlchemy spells it) name a SQLite file; ``postgresql://user@host:port/db`` (or
``postgres://``) a PostgreSQL database. An empty ``database_url`` means the SQLite file at
``db_path``, so a deployment that never set it keeps working unchanged.
"""

from __future__ import annotations

from pathlib import Path

from api.domain import crypto
from api.settings import Settings
from api.store import keys
from api.store.db import Database

SQLITE = "sqlite:///"
POSTGRES = ("postgresql://", "postgres://")


class BadDatabaseUrl(ValueError):
    pass


def url_of(settings: Settings) -> str:
    return settings.database_url or SQLITE + str(settings.db_path)


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite:///`` URL names; None for PostgreSQL. Anything else is refused."""
    if url.startswith(SQLITE):
        path = url.removeprefix(SQLITE)
        if not path:
            raise BadDatabaseUrl("database_url: a sqlite:/// URL needs a file path after it.")
        return Path(path)
    if url.startswith(POSTGRES):
        return None
    raise BadDatabaseUrl(
        "database_url: must start with sqlite:/// (a file) or postgresql:// (a server)."
    )


def is_postgres_url(url: str) -> bool:
    return sqlite_path(url) is None


async def open_url(url: str, key_file: Path, pool_size: int = 10) -> Database:
    path = sqlite_path(url)
    if path is not None:
        db = await Database.open(path, key_file)
    else:
        db = await open_without_keyring(url, pool_size)
    try:
        if path is None:
            # On PostgreSQL the wrapped data keys are in the database's "keystore" schema: a
            # missing key file with keys there must stop the start, never make a new key that
            # opens nothing.
            key_file_exists = key_file.exists()  # noqa: ASYNC240 - one stat at start-up
            if not key_file_exists and await db.read(keys.any_data_keys):
                raise SystemExit(
                    f"The key file {key_file} is missing but the database holds data keys: "
                    "restore the key file from its backup (README, 'Storage')."
                )
            db.keyring = keys.server_keyring(key_file, Path("/nonexistent/waypoint"))
        await _check_key_file(db, key_file)
    except BaseException:
        await db.close()
        raise
    return db


async def _check_key_file(db: Database, key_file: Path) -> None:
    """Refuse to start on a key file that does not open the stored data keys, e.g. an app
    server still holding the old file after ``waypoint rotate-key`` ran on another one."""
    try:
        await db.read(db.keyring.current)
    except crypto.CannotDecrypt:
        raise SystemExit(
            f"The key file {key_file} does not open the data keys in the database. After "
            "`waypoint rotate-key`, every app server needs the new key file: copy it here "
            "(README, 'Storage')."
        ) from None


async def open_without_keyring(url: str, pool_size: int = 1) -> Database:
    """The database with no server key loaded (``waypoint rotate-key`` handles the key files)."""
    path = sqlite_path(url)
    if path is not None:
        return await Database.open_without_keyring(path)
    from api.store.pg import PgDatabase

    return await PgDatabase.open_url(url, pool_size)


def key_file_of(settings: Settings) -> Path:
    """The server key: ``key_file``, else beside the SQLite file the URL names (or ``db_path``)."""
    if settings.key_file:
        return Path(settings.key_file)
    path = sqlite_path(url_of(settings))
    return keys.default_key_file(path) if path is not None else settings.key_path


async def open_database(settings: Settings) -> Database:
    return await open_url(url_of(settings), key_file_of(settings), settings.db_pool_size)
