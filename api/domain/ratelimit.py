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
    def __init__(
        self, attempts: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        horizon = self.clock() - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` if any key has used up its attempts."""
        for key in keys:
            hits = self._recent(key)
            if len(hits) >= self.attempts:
                retry_after = max(1, int(hits[0] + self.window - self.clock()) + 1)
                raise TooManyAttempts(retry_after)

    def hit(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._recent(key).append(now)
        if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
            for key in [k for k, v in self._hits.items() if not v]:
                del self._hits[key]
