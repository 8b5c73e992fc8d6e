"""Rate limits (log-in, registration, share-token guessing) kept where every process sees them.

On SQLite one process serves the deployment, so the counters stay in that process's memory
(``domain.ratelimit.RateLimiter``). On PostgreSQL several processes serve it, and a limit kept
in each would multiply the allowed guesses by the number of processes: the attempts go in the
``rate_hits`` table instead, keyed by a SHA-256 of the key (no username or address is stored),
timed by the wall clock that all the servers share.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable

from api.domain.errors import TooManyAttempts
from api.domain.ratelimit import RateLimiter
from api.store.db import Database


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _recent(
    conn: sqlite3.Connection, digests: list[bytes], horizon: float
) -> list[tuple[int, float | None]]:
    return [
        conn.execute(
            "SELECT COUNT(*), MIN(at) FROM rate_hits WHERE key_hash = ? AND at > ?",
            (digest, horizon),
        ).fetchone()
        for digest in digests
    ]


def _hit(conn: sqlite3.Connection, digests: list[bytes], now: float, horizon: float) -> None:
    # Every limit shares one window, so whatever is older has stopped counting anywhere: no row
    # outlives its window by more than the next counted attempt.
    conn.execute("DELETE FROM rate_hits WHERE at <= ?", (horizon,))
    for digest in digests:
        conn.execute("INSERT INTO rate_hits (key_hash, at) VALUES (?, ?)", (digest, now))


class Limits:
    """``await check(*keys)`` raises ``TooManyAttempts`` once a key is used up; ``await
    hit(*keys)`` counts an attempt. ``db=None``: in memory (one process)."""

    def __init__(
        self,
        attempts: int,
        window_seconds: float,
        db: Callable[[], Database] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self._db = db
        self._clock = clock
        self._memory = RateLimiter(attempts, window_seconds)

    async def check(self, *keys: str) -> None:
        if self._db is None:
            self._memory.check(*keys)
            return
        now = self._clock()
        found = await self._db().read(_recent, [_digest(k) for k in keys], now - self.window)
        for count, first in found:
            if count >= self.attempts and first is not None:
                raise TooManyAttempts(max(1, int(first + self.window - now) + 1))

    async def hit(self, *keys: str) -> None:
        if self._db is None:
            self._memory.hit(*keys)
            return
        now = self._clock()
        await self._db().write(_hit, [_digest(k) for k in keys], now, now - self.window)
