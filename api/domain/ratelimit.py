"""In-memory sliding-window limits for log-in, registration and share-token guessing.

One process serves the whole deployment, so the counters live in memory; a restart forgets them,
which is acceptable for slowing down guessing.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from api.domain.errors import TooManyAttempts


class RateLimiter:
    """Up to ``attempts`` hits per key in any ``window_seconds``.

    Memory stays bounded by the keys hit within one window: checking never creates a key, and
    once a window has passed since the last sweep, the next hit drops every key whose newest
    hit has expired.
    """

    def __init__(
        self, attempts: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        horizon = now - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` if any key has used up its attempts."""
        now = self.clock()
        for key in keys:
            hits = self._recent(key, now)
            if hits is not None and len(hits) >= self.attempts:
                retry_after = max(1, int(hits[0] + self.window - now) + 1)
                raise TooManyAttempts(retry_after)

    def hit(self, *keys: str) -> None:
        now = self.clock()
        if now - self._last_sweep >= self.window:
            self._sweep(now)
        for key in keys:
            hits = self._recent(key, now)
            if hits is None:
                hits = self._hits[key] = deque()
            hits.append(now)

    def _sweep(self, now: float) -> None:
        horizon = now - self.window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]
        self._last_sweep = now

    def size(self) -> int:
        """How many keys are held (for tests and monitoring)."""
        return len(self._hits)
