"""Accounts: their SQL (the ``users`` table and a user's session list)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any, Protocol

import msgspec

from api.domain.accounts import Account, User
from api.domain.errors import Taken
from api.settings import Settings
from api.store.db import Database
from api.store.keys import Keyring, create_data_key, destroy_data_key
from api.store.sessions import USER_COLUMNS, delete_expired_sessions, insert_session, user_from_row


class NewAccount(Protocol):
    username: str
    display_name: str
    timezone: str


class SessionInfo(msgspec.Struct, kw_only=True):
    id: str
    created_at: float
    last_seen_at: float
    user_agent: str
    current: bool


def account_row(conn: sqlite3.Connection, username: str) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = conn.execute(
        "SELECT id, username, password_hash, display_name, timezone, baseline_date, created_at, "
        "clinic_phone, patient_reference FROM users WHERE username = ?",
        (username,),
    ).fetchone()
    return row


def password_hash_of(conn: sqlite3.Connection, user_id: int) -> str:
    row = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user_id,)).fetchone()
    return str(row[0])


def register(
    conn: sqlite3.Connection,
    keys: Keyring,
    data: NewAccount,
    password_hash: str,
    agent: str,
    now: datetime,
) -> tuple[str, Account]:
    # ON CONFLICT DO NOTHING: a taken name returns no row on both engines, with no error that
    # would abort a PostgreSQL transaction.
    created = conn.execute(
        "INSERT INTO users (username, password_hash, display_name, timezone, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING RETURNING id",
        (data.username, password_hash, data.display_name, data.timezone, now.isoformat()),
    ).fetchone()
    if created is None:
        raise Taken("That username is taken.")
    user_id = created[0]
    create_data_key(conn, keys, user_id, now.isoformat())
    secret = insert_session(conn, user_id, agent, now.timestamp())
    account = Account(
        username=data.username,
        display_name=data.display_name,
        timezone=data.timezone,
        baseline_date=None,
        created_at=now.isoformat(),
    )
    return secret, account


def log_in(
    conn: sqlite3.Connection,
    user_id: int,
    new_hash: str | None,
    agent: str,
    now: float,
    settings: Settings,
) -> str:
    if new_hash is not None:
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (new_hash, user_id))
    delete_expired_sessions(conn, user_id, now, settings)
    return insert_session(conn, user_id, agent, now)


def set_password(conn: sqlite3.Connection, user: User, new_hash: str, end_others: bool) -> None:
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (new_hash, user.id))
    if end_others:
        conn.execute(
            "DELETE FROM sessions WHERE user_id = ? AND public_id != ?", (user.id, user.session_id)
        )


def sessions_of(conn: sqlite3.Connection, user: User) -> list[SessionInfo]:
    rows = conn.execute(
        "SELECT public_id, created_at, last_seen_at, user_agent FROM sessions "
        "WHERE user_id = ? ORDER BY last_seen_at DESC",
        (user.id,),
    ).fetchall()
    return [
        SessionInfo(
            id=r[0],
            created_at=r[1],
            last_seen_at=r[2],
            user_agent=r[3],
            current=r[0] == user.session_id,
        )
        for r in rows
    ]


def end_session(conn: sqlite3.Connection, user_id: int, public_id: str) -> int:
    return conn.execute(
        "DELETE FROM sessions WHERE user_id = ? AND public_id = ?", (user_id, public_id)
    ).rowcount


def delete_account(conn: sqlite3.Connection, user_id: int) -> None:
    # Every table that holds personal data references users(id) ON DELETE CASCADE.
    conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


async def erase_account(db: Database, user_id: int) -> None:
    """Delete an account so that none of its text can be read again, anywhere.

    1. Its data key is destroyed, committed on its own first: from then on its text is
       unreadable in the database and in every backup of it (crypto-shredding). A crash right
       after leaves an account whose text is already gone, never a text whose key survives.
    2. Its rows are deleted (``secure_delete`` zeroes them in the pages).
    3. A WAL checkpoint (TRUNCATE) copies those pages home and empties the ``-wal`` files, where
       older copies of the deleted pages would otherwise stay readable.
    """
    await db.write(destroy_data_key, db.keyring, user_id)
    await db.write(delete_account, user_id)
    db.keyring.forget(user_id)  # a reader may have cached it again before step 1 committed
    await db.checkpoint()


def user_by_id(conn: sqlite3.Connection, user_id: int) -> User:
    """An account shaped as the ``User`` the trends and report code take, with no session (a
    share link's owner is not the one asking)."""
    row = conn.execute(
        f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?",  # noqa: S608
        (user_id,),
    ).fetchone()
    return user_from_row(row, session_id="")


def set_profile(conn: sqlite3.Connection, user_id: int, changes: dict[str, Any]) -> None:
    """Set profile columns; the names come from a Struct or this code, never the client."""
    for column, value in changes.items():
        conn.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))  # noqa: S608
