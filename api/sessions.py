"""Passwords, server-side sessions and the ``user`` dependency every private route declares.

A session secret is 256 random bits, sent only in an HttpOnly cookie and stored only as its
SHA-256, so a copy of the database cannot be used to log in. Every log-in makes a new secret
(no fixation). Sessions end after ``session_idle_minutes`` without use or ``session_max_days``
after log-in, whichever comes first.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request, Response
from litestar.datastructures import Cookie

from api.db import Database
from api.settings import Settings

Clock = Callable[[], datetime]
HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
TOUCH_EVERY_SECONDS = 60


def utc_now() -> datetime:
    return datetime.now(UTC)


class User(msgspec.Struct, frozen=True):
    """The logged-in account, as handlers see it."""

    id: int
    username: str
    display_name: str
    timezone: str
    baseline_date: date | None
    created_at: str
    session_id: str
    clinic_phone: str = ""
    patient_reference: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


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


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path=/.
    return "__Host-waypoint" if settings.https else "waypoint_session"


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def check_password(stored_hash: str | None, password: str) -> bool:
    """Verify in a thread; unknown users are checked against a dummy hash so timing matches."""

    def verify() -> bool:
        try:
            return HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)


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


def touch_session(conn: sqlite3.Connection, digest: bytes, now: float) -> None:
    conn.execute("UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ?", (now, digest))


def delete_session(conn: sqlite3.Connection, digest: bytes) -> None:
    conn.execute("DELETE FROM sessions WHERE secret_hash = ?", (digest,))


NOT_LOGGED_IN = "Please log in."
CACHE_SECONDS = 30.0


class SessionCache:
    """Live sessions recently seen, so most requests skip the database lookup.

    Every change to a session or its account goes through ``forget_user`` (log-out, password
    change, profile edit, account deletion), so the cache never answers with stale data; entries
    also expire after ``CACHE_SECONDS`` as a safety net for changes made by another process.
    """

    def __init__(self) -> None:
        self._rows: dict[bytes, tuple[float, tuple[Any, ...]]] = {}
        self._by_user: dict[int, set[bytes]] = {}

    def get(self, digest: bytes, now: float) -> tuple[Any, ...] | None:
        found = self._rows.get(digest)
        if found is None or now - found[0] > CACHE_SECONDS:
            return None
        return found[1]

    def put(self, digest: bytes, row: tuple[Any, ...], now: float) -> None:
        if len(self._rows) > 100_000:
            self._rows.clear()
            self._by_user.clear()
        self._rows[digest] = (now, row)
        self._by_user.setdefault(row[3], set()).add(digest)

    def forget_user(self, user_id: int) -> None:
        for digest in self._by_user.pop(user_id, ()):
            self._rows.pop(digest, None)


async def end_current_session(request: Request[Any, Any, Any], db: Database, name: str) -> None:
    secret = request.cookies.get(name)
    if secret:
        await db.write(delete_session, secret_hash(secret))


def with_session_cookie(response: Response[Any], secret: str, settings: Settings) -> Response[Any]:
    response.set_cookie(
        key=cookie_name(settings),
        value=secret,
        max_age=settings.session_max_days * 86400,
        path="/",
        httponly=True,
        secure=settings.https,
        samesite="strict",
    )
    return response


# Log-out and account deletion clear the cookie under both of its possible names (plain HTTP and
# the HTTPS __Host- form), so the handlers can answer a plain 204 with no body.
CLEARED_SESSION_COOKIES = [
    Cookie(key="waypoint_session", value="", max_age=0, path="/", httponly=True, samesite="strict"),
    Cookie(
        key="__Host-waypoint",
        value="",
        max_age=0,
        path="/",
        httponly=True,
        secure=True,
        samesite="strict",
    ),
]
