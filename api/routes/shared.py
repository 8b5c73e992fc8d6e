"""The holder of a share link: no account, no cookie, the token in the ``Authorization`` header.

Unknown, expired and cancelled links get the same 404, and failed lookups are rate-limited per
client address. These routes never read the session cookie.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import HeaderParameter
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.domain.accounts import patient_name
from api.domain.errors import Forbidden
from api.domain.shares import GONE, ClinicianView, FamilyView, Row, status_of, timestamp, token_of
from api.routes.exports import attachment, clinician_content, filename, report_pdf
from api.state import AppState
from api.store import shares as store
from api.store import users
from api.store.sessions import secret_hash

HOLDER_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex"),
)
AuthorizationHeader = Annotated[
    str | None,
    HeaderParameter(name="authorization", description="`Share <token>`, from the link's fragment"),
]


async def resolve_token(
    app_state: AppState, client: str, authorization: str | None, now: datetime
) -> Row:
    """The live share a holder's header names, or the one 404 for unknown, expired and revoked
    links alike. Failed lookups count against the client address (429 once used up).
    """
    limiter = app_state.share_limiter
    await limiter.check(client)
    token = token_of(authorization)
    row = (
        None if token is None else await app_state.db.read(store.share_by_token, secret_hash(token))
    )
    if row is None or status_of(row, now) != "active":
        await limiter.hit(client)
        raise NotFoundException(GONE)
    return row


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def holder_headers(app: ASGIApp) -> ASGIApp:
    """Middleware for the holder's routes: no caching, no referrer, no indexing — on every
    response, errors included (route middleware wraps Litestar's exception handling).
    """

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in HOLDER_HEADERS:
                    headers[name] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers


class SharedController(Controller):
    """The holder of a link: no account, no cookie, the token in the Authorization header."""

    path = "/api/shared"
    tags = ("sharing",)
    middleware = (holder_headers,)

    @get("/", summary="What a share link shows (family: guides and dates; clinician: summary)")
    async def open_share(
        self,
        request: Request[Any, Any, Any],
        app_state: NamedDependency[AppState],
        authorization: AuthorizationHeader = None,
    ) -> FamilyView | ClinicianView:
        now = app_state.clock()
        row = await resolve_token(app_state, client_address(request), authorization, now)
        view: FamilyView | ClinicianView
        if row.audience == "family":
            slugs = msgspec.json.decode(row.guides, type=list[str])
            schedule = (
                await app_state.db.read(store.upcoming_schedule, row.user_id, now)
                if row.include_schedule
                else None
            )
            view = FamilyView(
                message=row.message,
                expires_at=datetime.fromisoformat(row.expires_at),
                guides=[app_state.guides[slug] for slug in slugs if slug in app_state.guides],
                schedule=schedule,
            )
        else:
            start, end = _period_of(row)
            owner = await app_state.db.read(users.user_by_id, row.user_id)
            trends, content = await clinician_content(app_state, owner, start, end)
            view = ClinicianView(
                patient_name=patient_name(owner),
                patient_reference=owner.patient_reference,
                period_from=start,
                period_to=end,
                expires_at=datetime.fromisoformat(row.expires_at),
                summary=trends.summary,
                report=content,
            )
        await app_state.db.write(store.count_open, row.id, timestamp(now))
        return view

    @get("/report.pdf", summary="A clinician link's one-page PDF report")
    async def shared_report(
        self,
        request: Request[Any, Any, Any],
        app_state: NamedDependency[AppState],
        authorization: AuthorizationHeader = None,
    ) -> Response[bytes]:
        now = app_state.clock()
        row = await resolve_token(app_state, client_address(request), authorization, now)
        if row.audience != "clinician":
            raise Forbidden("This link does not include a report.")
        start, end = _period_of(row)
        owner = await app_state.db.read(users.user_by_id, row.user_id)
        pdf = await report_pdf(app_state, owner, start, end)
        return attachment(pdf, "application/pdf", filename("report", start, end, "pdf"))


def _period_of(row: Row) -> tuple[date, date]:
    assert row.period_from is not None
    assert row.period_to is not None
    return date.fromisoformat(row.period_from), date.fromisoformat(row.period_to)
