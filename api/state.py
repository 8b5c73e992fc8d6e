"""Everything the app holds while it runs, in one object: ``AppState``.

Handlers take it as the one ``app_state`` dependency besides the user. One dependency, not
eight, on purpose: Litestar resolves the dependencies of one level in an anyio task group per
request whenever there is more than one of them, which cost half the CPU of an entry PUT
(measured in bench/). With ``app_state`` at the first level and ``user`` at the second, every
level holds one dependency and none of that overhead is paid.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from api.domain.crisis import Crisis
from api.domain.guides.format import Library
from api.domain.trends import Trends
from api.push import Pusher, Scheduler
from api.settings import Settings
from api.store.db import Database
from api.store.engine import is_postgres_url, url_of
from api.store.ratelimits import Limits
from api.store.sessions import CACHE_SECONDS, SessionCache

Clock = Callable[[], datetime]
TRENDS_CACHE_SIZE = 256


def utc_now() -> datetime:
    return datetime.now(UTC)


class TrendsCache:
    """Computed trends, kept until their inputs change.

    The key holds everything a result depends on (the user's latest change number, time zone,
    baseline date, the period and today's date), so a write never leaves a stale answer: it
    moves the change number and the next request misses.
    """

    def __init__(self, size: int = TRENDS_CACHE_SIZE) -> None:
        self.size = size
        self._recent: OrderedDict[tuple[object, ...], Trends] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> Trends | None:
        found = self._recent.get(key)
        if found is not None:
            self._recent.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], trends: Trends) -> None:
        self._recent[key] = trends
        if len(self._recent) > self.size:
            self._recent.popitem(last=False)


class AppState:
    """Built by ``create_app``; ``db``, ``guides`` and ``device_key`` are filled in when the app
    starts."""

    db: Database
    guides: Library
    device_key: bytes  # signs device cookies (``api.domain.device_cookie``)
    pusher: Pusher
    scheduler: Scheduler

    def __init__(self, settings: Settings, clock: Clock, crisis: Crisis) -> None:
        self.settings = settings
        self.clock = clock
        self.crisis = crisis
        # Several processes on PostgreSQL: what one of them ends (a log-out) must end in all, so
        # sessions are looked up every time and the limits are counted in the database.
        shared = is_postgres_url(url_of(settings))
        self.session_cache = SessionCache(keep_seconds=0.0 if shared else CACHE_SECONDS)
        self.trends_cache = TrendsCache()
        # Accounts with an import in this process, taken before its body is read (api/routes/
        # imports.py): one account cannot hold several 64 MB bodies in memory at once.
        self.importing: set[int] = set()
        database = (lambda: self.db) if shared else None
        seconds = lambda: clock().timestamp()  # noqa: E731
        self.login_limiter = Limits(
            settings.login_attempts, settings.login_window_seconds, database, seconds
        )
        self.share_limiter = Limits(
            settings.share_attempts, settings.login_window_seconds, database, seconds
        )
        self.device_limiter = Limits(
            settings.device_attempts, settings.login_window_seconds, database, seconds
        )
        # Wrong current passwords on password change and account deletion, per session and
        # per account.
        self.recheck_limiter = Limits(
            settings.device_attempts, settings.login_window_seconds, database, seconds
        )
