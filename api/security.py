"""Protections that apply to every response: security headers and the cross-site write check.

Cross-site request forgery: cookie-authenticated writes are refused when the browser says the
request came from another site. Browsers send ``Sec-Fetch-Site`` (and ``Origin``) on every
``fetch``; a same-origin request from the web app passes with nothing extra to send. Clients that
are not browsers (curl, scripts) send neither header and are not at risk of CSRF, so they pass.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE = "Cross-site request refused. Send writes from the Waypoint app itself (same origin)."


def is_cross_site(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    fetch_site = headers.get(b"sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in (b"same-origin", b"none")
    origin = headers.get(b"origin")
    if origin is None:
        return False
    host = headers.get(b"host", b"")
    return origin.split(b"://", 1)[-1] != host


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

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") in UNSAFE_METHODS and is_cross_site(scope):
            raise PermissionDeniedException(CROSS_SITE)
        await self.app(scope, receive, send)
