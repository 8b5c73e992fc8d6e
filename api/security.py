"""Who is asking, and protections that apply to every response.

- The session cookie and the ``user`` dependency every private route declares (401 unless the
  cookie names a live session).
- Security headers on every response, and the cross-site write check.

Cross-site request forgery: cookie-authenticated writes are refused when the browser says the
request came from another site. Browsers send ``Sec-Fetch-Site`` (and ``Origin``) on every
``fetch``; a same-origin request from the web app passes with nothing extra to send. Clients that
are not browsers (curl, scripts) send neither header and are not at risk of CSRF, so they pass.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.domain.accounts import User
from api.settings import Settings
from api.state import AppState
from api.store.db import Database
from api.store.sessions import (
    TOUCH_EVERY_SECONDS,
    delete_session,
    find_session,
    secret_hash,
    touch_session,
    user_from_row,
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE = "Cross-site request refused. Send writes from the Waypoint app itself (same origin)."
NOT_LOGGED_IN = "Please log in."
DEVICE_COOKIE_DAYS = 365


# --- the session cookie and the user ----------------------------------------------------------


def device_cookie_name(settings: Settings) -> str:
    return "__Host-waypoint-device" if settings.https else "waypoint_device"


def with_device_cookie(response: Response[Any], value: str, settings: Settings) -> Response[Any]:
    response.set_cookie(
        key=device_cookie_name(settings),
        value=value,
        max_age=DEVICE_COOKIE_DAYS * 86400,
        path="/",
        httponly=True,
        secure=settings.https,
        samesite="strict",
    )
    return response


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path=/.
    return "__Host-waypoint" if settings.https else "waypoint_session"


async def current_user(
    request: Request[Any, Any, Any], app_state: NamedDependency[AppState]
) -> User:
    """The ``user`` dependency: 401 unless the cookie names a live session."""
    settings, cache = app_state.settings, app_state.session_cache
    secret = request.cookies.get(cookie_name(settings))
    if not secret:
        raise NotAuthorizedException(NOT_LOGGED_IN)
    digest = secret_hash(secret)
    now = app_state.clock().timestamp()
    epoch = cache.epoch  # a log-out during the awaits below voids what they read
    row = cache.get(digest, now)
    if row is None:
        row = await app_state.db.read(find_session, digest)
        if row is None:
            raise NotAuthorizedException(NOT_LOGGED_IN)
        cache.put(digest, row, now, epoch)
    created_at, last_seen_at, public_id, *account = row
    if (
        now - last_seen_at > settings.session_idle_minutes * 60
        or now - created_at > settings.session_max_days * 86400
    ):
        cache.forget_user(account[0])
        await app_state.db.write(delete_session, digest)
        raise NotAuthorizedException("Your session has ended. Please log in again.")
    if now - last_seen_at > TOUCH_EVERY_SECONDS:
        if not await app_state.db.write(touch_session, digest, now):
            cache.forget_user(account[0])
            raise NotAuthorizedException(NOT_LOGGED_IN)
        cache.put(digest, (created_at, now, public_id, *account), now, epoch)
    return user_from_row(account, public_id)


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


# --- every response ---------------------------------------------------------------------------


def origin_of(url: str) -> bytes:
    """``scheme://host[:port]`` of a URL, as a browser writes it in an ``Origin`` header."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].lower()}".encode()


def is_cross_site(scope: Scope, expected_origin: bytes | None) -> bool:
    """True when a browser says the request came from another site. With ``base_url`` set, an
    ``Origin`` must equal its scheme, host and port; without it, its host must be ``Host``."""
    headers = dict(scope["headers"])
    fetch_site = headers.get(b"sec-fetch-site")
    if fetch_site is not None and fetch_site not in (b"same-origin", b"none"):
        return True
    origin = headers.get(b"origin")
    if origin is None:
        return False
    if expected_origin is not None:
        return origin.lower() != expected_origin
    if fetch_site is not None:
        return False  # the browser says same-origin; without base_url, Host may be a proxy's
    return origin.split(b"://", 1)[-1] != headers.get(b"host", b"")


def header_hook(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: it sees every response, 404s from the router included.

    The headers are encoded once, here; per response the hook only appends the ones a handler
    has not set itself (one pass over the existing names).
    """
    static = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if settings.https:
        static.append(("strict-transport-security", "max-age=63072000; includeSubDomains"))
    encoded = [(name.encode(), value.encode()) for name, value in static]
    no_store = (b"cache-control", b"no-store")

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        present = {name.lower() for name, _ in headers}
        headers.extend(pair for pair in encoded if pair[0] not in present)
        if b"cache-control" not in present and scope["path"].startswith("/api/"):
            headers.append(no_store)
        message["headers"] = headers

    return add_headers


class CrossSiteWriteMiddleware:
    """Refuses cookie-era writes that a browser marks as coming from another site."""

    def __init__(self, app: ASGIApp, base_url: str = "") -> None:
        self.app = app
        self.expected_origin = origin_of(base_url) if base_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") in UNSAFE_METHODS and is_cross_site(scope, self.expected_origin):
            raise PermissionDeniedException(CROSS_SITE)
        await self.app(scope, receive, send)


class HeadAsGetMiddleware:
    """HEAD on every GET route: answered as the GET would be, with the body left out (RFC 9110
    9.3.2), so headers and status are exactly the GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        as_get: Any = {**scope, "method": "GET"}
        await self.app(as_get, receive, without_body)


JSON_ONLY = "Send the body as JSON (Content-Type: application/json)."


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """``before_request``: a route that takes a JSON body accepts only ``application/json``
    (415 otherwise), so a form or text body never reaches the JSON decoder by accident. A route
    that reads its JSON body itself (the archive import) says so: ``opt={"json_body": True}``."""
    handler = request.route_handler
    if "data" not in handler.parsed_fn_signature.parameters and not handler.opt.get("json_body"):
        return
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    if not has_body:
        return  # nothing to misread; the route answers a missing body itself
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(status_code=415, detail=JSON_ONLY)
