"""The one dependency every handler takes besides the user: the app's long-lived services.

One dependency, not eight, on purpose: Litestar resolves the dependencies of one level in an
anyio task group per request whenever there is more than one of them, which cost half the CPU of
an entry PUT (measured in bench/). With ``services`` at the first level and ``user`` at the
second, every level holds one dependency and none of that overhead is paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from api.crisis import Crisis
from api.db import Database
from api.ratelimit import RateLimiter
from api.sessions import (
    NOT_LOGGED_IN,
    TOUCH_EVERY_SECONDS,
    Clock,
    SessionCache,
    User,
    cookie_name,
    delete_session,
    find_session,
    secret_hash,
    touch_session,
    user_from_row,
)
from api.settings import Settings

if TYPE_CHECKING:  # api.guides imports this module for its handlers
    from api.guides import Library


class Services:
    """Built by ``create_app``; ``db`` and ``guides`` are filled in when the app starts."""

    db: Database
    guides: Library

    def __init__(self, settings: Settings, clock: Clock, crisis: Crisis) -> None:
        self.settings = settings
        self.clock = clock
        self.crisis = crisis
        self.session_cache = SessionCache()
        self.login_limiter = RateLimiter(settings.login_attempts, settings.login_window_seconds)
        self.share_limiter = RateLimiter(settings.share_attempts, settings.login_window_seconds)


async def current_user(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> User:
    """The ``user`` dependency: 401 unless the cookie names a live session."""
    settings, cache = services.settings, services.session_cache
    secret = request.cookies.get(cookie_name(settings))
    if not secret:
        raise NotAuthorizedException(NOT_LOGGED_IN)
    digest = secret_hash(secret)
    now = services.clock().timestamp()
    row = cache.get(digest, now)
    if row is None:
        row = await services.db.read(find_session, digest)
        if row is None:
            raise NotAuthorizedException(NOT_LOGGED_IN)
        cache.put(digest, row, now)
    created_at, last_seen_at, public_id, *account = row
    if (
        now - last_seen_at > settings.session_idle_minutes * 60
        or now - created_at > settings.session_max_days * 86400
    ):
        cache.forget_user(account[0])
        await services.db.write(delete_session, digest)
        raise NotAuthorizedException("Your session has ended. Please log in again.")
    if now - last_seen_at > TOUCH_EVERY_SECONDS:
        await services.db.write(touch_session, digest, now)
        cache.put(digest, (created_at, now, public_id, *account), now)
    return user_from_row(account, public_id)
