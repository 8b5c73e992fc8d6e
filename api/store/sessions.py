"""Server-side sessions: their SQL and the in-memory cache of live ones.

A session secret is 256 random bits, sent only in an HttpOnly cookie and stored only as its
SHA-256, so a copy of the database cannot be used to log in. Every log-in makes a new secret
(no fixation). Sessions end after ``session_idle_minutes`` without use or ``session_max_days``
after log-in, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from api.domain.accounts import User
from api.settings import Settings

TOUCH_EVERY_SECONDS = 60


# The account columns every User is built from, in this order (see ``user_from_row``).
USER_COLUMNS = (
    "u.id, u.username, u.display_name, u.timezone, u.baseline_date, u.created_at, "
    "u.clinic_phone, u.patient_reference"
)


def user_from_row(row: Sequence[Any], session_id: str) -> User:
    """A ``User`` from the ``USER_COLUMNS`` of a query."""
    user_id, username, display_name, timezone, baseline, created_at, phone, reference = row
    return User(
        id=user_id,
        username=username,
        display_name=display_name,
        timezone=timezone,
        baseline_date=date.fromisoformat(baseline) if baseline else None,
        created_at=created_at,
        session_id=session_id,
        clinic_phone=phone,
        patient_reference=reference,
    )


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def insert_session(conn: sqlite3.Connection, user_id: int, user_agent: str, now: float) -> str:
    """Create a session and return its secret (the only time the secret exists server-side)."""
    secret = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO sessions (secret_hash, public_id, user_id, created_at, last_seen_at, "
        "user_agent) VALUES (?, ?, ?, ?, ?, ?)",
        (secret_hash(secret), secrets.token_urlsafe(12), user_id, now, now, user_agent[:200]),
    )
    return secret


def delete_expired_sessions(
    conn: sqlite3.Connection, user_id: int, now: float, settings: Settings
) -> None:
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ? AND (last_seen_at < ? OR created_at < ?)",
        (
            user_id,
            now - settings.session_idle_minutes * 60,
            now - settings.session_max_days * 86400,
        ),
    )


def find_session(conn: sqlite3.Connection, digest: bytes) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = conn.execute(
        f"SELECT s.created_at, s.last_seen_at, s.public_id, {USER_COLUMNS} "  # noqa: S608
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?",
        (digest,),
    ).fetchone()
    return row


def touch_session(conn: sqlite3.Connection, digest: bytes, now: float) -> bool:
    """Note the session's use; False if it no longer exists (ended meanwhile)."""
    cursor = conn.execute(
        "UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ?", (now, digest)
    )
    return cursor.rowcount > 0


def delete_session(conn: sqlite3.Connection, digest: bytes) -> None:
    conn.execute("DELETE FROM sessions WHERE secret_hash = ?", (digest,))


NOT_LOGGED_IN = "Please log in."
CACHE_SECONDS = 30.0


class SessionCache:
    """Live sessions recently seen, so most requests skip the database lookup.

    Every change to a session or its account goes through ``forget_user`` (log-out, password
    change, profile edit, account deletion), so the cache never answers with stale data; entries
    also expire after ``CACHE_SECONDS`` as a safety net for changes made by another process.

    Deletion always wins over a request still in flight: ``forget_user`` moves ``epoch``, and a
    ``put`` made with the epoch read before its database round trip is dropped when a forget
    happened meanwhile, so a row read (or touched) just before a log-out is never re-cached.
    """

    def __init__(self, keep_seconds: float = CACHE_SECONDS) -> None:
        # 0 turns the cache off: with several processes, another one may have ended a session.
        self.keep_seconds = keep_seconds
        self._rows: dict[bytes, tuple[float, tuple[Any, ...]]] = {}
        self._by_user: dict[int, set[bytes]] = {}
        self.epoch = 0

    def get(self, digest: bytes, now: float) -> tuple[Any, ...] | None:
        found = self._rows.get(digest)
        if found is None or now - found[0] > self.keep_seconds or self.keep_seconds <= 0:
            return None
        return found[1]

    def put(self, digest: bytes, row: tuple[Any, ...], now: float, epoch: int) -> None:
        """Cache a row read when ``epoch`` was current; dropped if a forget came since."""
        if self.keep_seconds <= 0 or epoch != self.epoch:
            return
        if len(self._rows) > 100_000:
            self._rows.clear()
            self._by_user.clear()
        self._rows[digest] = (now, row)
        self._by_user.setdefault(row[3], set()).add(digest)

    def forget_user(self, user_id: int) -> None:
        self.epoch += 1
        for digest in self._by_user.pop(user_id, ()):
            self._rows.pop(digest, None)
