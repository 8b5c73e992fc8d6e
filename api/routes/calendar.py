"""Calendar links: the owner creates, lists and revokes them; a calendar app reads the feed.

Calendar apps cannot send headers, so the token travels in the path
(``/calendar/<token>.ics``). Only its SHA-256 is stored; unknown, expired and revoked links get
the same 404, and failed lookups count against the share rate limit of the client address.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from api.domain.accounts import User
from api.domain.calendar_feed import (
    TOKEN_SHAPE,
    CalendarLink,
    CalendarLinkCreate,
    CalendarLinkCreated,
    feed,
    link_of,
    new_link,
)
from api.domain.errors import NotFound
from api.domain.reminders import clock
from api.domain.shares import GONE, status_of, timestamp
from api.routes.shared import HOLDER_HEADERS, client_address
from api.state import AppState
from api.store import calendar_links as store
from api.store import reminders, users
from api.store.sessions import secret_hash


class CalendarLinkController(Controller):
    """The owner's calendar links."""

    path = "/api/calendar-links"
    tags = ("calendar",)

    @post("/", summary="Create a calendar link; its token and URLs are shown only here")
    async def create_link(
        self,
        data: JSONBody[CalendarLinkCreate],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> CalendarLinkCreated:
        now = app_state.clock()
        row = new_link(data, user.id, now)
        token = secrets.token_urlsafe(32)
        await app_state.db.write(store.insert_link, row, secret_hash(token))
        url = f"{app_state.settings.public_url}/calendar/{token}.ics"
        return CalendarLinkCreated(
            **msgspec.structs.asdict(link_of(row, now)),
            token=token,
            url=url,
            webcal_url="webcal://" + url.split("://", 1)[1],
        )

    @get("/", summary="My calendar links with status and opens (never the token)")
    async def list_links(
        self, user: NamedDependency[User], app_state: NamedDependency[AppState]
    ) -> list[CalendarLink]:
        now = app_state.clock()
        return [link_of(row, now) for row in await app_state.db.read(store.links_of, user.id)]

    @delete("/{link_id:str}", summary="Cancel a calendar link at once (it stays listed)")
    async def revoke_link(
        self,
        link_id: FromPath[str],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> None:
        if not await app_state.db.write(
            store.revoke, user.id, link_id, timestamp(app_state.clock())
        ):
            raise NotFound("calendar link")


@get(
    "/calendar/{name:str}",
    tags=["calendar"],
    summary="The ICS feed of a calendar link (`<token>.ics`; no cookie, no header)",
    include_in_schema=True,
)
async def calendar_feed(
    name: FromPath[str],
    request: Request[Any, Any, Any],
    app_state: NamedDependency[AppState],
) -> Response[bytes]:
    now = app_state.clock()
    limiter = app_state.share_limiter
    client = client_address(request)
    await limiter.check(client)
    token = name.removesuffix(".ics")
    row = None
    if name.endswith(".ics") and TOKEN_SHAPE.match(token):
        row = await app_state.db.read(store.link_by_token, secret_hash(token))
    if row is None or status_of(row, now) != "active":
        await limiter.hit(client)
        raise NotFoundException(GONE)
    owner = await app_state.db.read(users.user_by_id, row.user_id)
    sessions = await app_state.db.read(store.sessions_of, app_state.db.keyring, row.user_id, now)
    settings = await app_state.db.read(reminders.settings_of, row.user_id)
    body = feed(
        sessions,
        audience=row.audience,
        timezone=owner.timezone,
        alarm_time=clock(settings.session.time),
        now=now,
        domain=urlsplit(app_state.settings.public_url).hostname or "waypoint",
    )
    await app_state.db.write(store.count_open, row.id, timestamp(now))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers=dict(HOLDER_HEADERS) | {"Content-Disposition": 'inline; filename="waypoint.ics"'},
    )
