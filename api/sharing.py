"""Share links: guides and upcoming dates for family, a period's summary and PDF for a clinician.

A link is ``<public_url>/shared#<token>``. The token (256 random bits) is shown once, at creation;
the server keeps only its SHA-256, so a copy of the database cannot open a link. The token sits
in the URL fragment, which browsers never send to a server or put in a Referer: the web app
reads it and sends it as ``Authorization: Share <token>``, so it stays out of access logs.

A link is scoped (family: the chosen guides and, if allowed, the dates and kinds of upcoming
planned treatments — never journal text, notes, doses, clinics, side effects or answers;
clinician: one period's trends summary and report), expiring (90 days at most), revocable, and
counted when opened. Unknown, expired and cancelled links get the same 404, and failed lookups
are rate-limited per client address. The holder's routes never read the session cookie.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, NamedTuple
from uuid import uuid4

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import MutableScopeHeaders
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api import progress, records
from api.db import Database
from api.errors import field_error, not_found
from api.exports import attachment, filename, patient_name, report_pdf
from api.guides import Guide, Library
from api.ratelimit import RateLimiter
from api.services import Services
from api.sessions import USER_COLUMNS, User, secret_hash, user_from_row
from api.treatments import TREATMENT
from api.trends import Summary

ShareAudience = Literal["family", "clinician"]
Status = Literal["active", "expired", "revoked"]
DEFAULT_DAYS: dict[str, int] = {"family": 30, "clinician": 14}
MAX_DAYS = 90
DEFAULT_PERIOD_DAYS = 90  # a clinician link without from/to covers the last 90 days
EARLIEST_DAY = date(1900, 1, 1)
MAX_SCHEDULE = 100
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
GONE = "This link is not valid. It may have expired or been cancelled."
HOLDER_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex"),
)
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class ShareCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    audience: ShareAudience
    guides: Annotated[list[Slug], msgspec.Meta(max_length=50)] = []
    include_schedule: bool = False
    period_from: date | None = msgspec.field(default=None, name="from")
    period_to: date | None = msgspec.field(default=None, name="to")
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    label: Annotated[str, msgspec.Meta(max_length=80)] = ""
    message: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Share(msgspec.Struct, kw_only=True):
    """A link as its owner sees it (never the token)."""

    id: str
    audience: ShareAudience
    label: str
    message: str
    guides: list[str]
    include_schedule: bool
    period_from: date | None = msgspec.field(name="from")
    period_to: date | None = msgspec.field(name="to")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: Status
    opens: int
    last_opened_at: datetime | None


class ShareCreated(Share, kw_only=True):
    """Returned once, at creation: the only time the token exists outside the holder's link."""

    token: str
    url: str


class ScheduleItem(msgspec.Struct, frozen=True):
    at: datetime
    kind: str


class FamilyView(msgspec.Struct, kw_only=True, tag_field="audience", tag="family"):
    # The owner's message to the holder; never the label, which is the owner's private name.
    message: str
    expires_at: datetime
    guides: list[Guide]
    schedule: list[ScheduleItem] | None


class ClinicianView(msgspec.Struct, kw_only=True, tag_field="audience", tag="clinician"):
    patient_name: str
    period_from: date = msgspec.field(name="from")
    period_to: date = msgspec.field(name="to")
    expires_at: datetime
    summary: Summary


class Row(NamedTuple):
    id: str
    user_id: int
    audience: ShareAudience
    label: str
    guides: str
    include_schedule: int
    period_from: str | None
    period_to: str | None
    created_at: str
    expires_at: str
    revoked_at: str | None
    opens: int
    last_opened_at: str | None
    message: str


COLUMNS = ", ".join(Row._fields)
PLACEHOLDERS = ", ".join("?" * (len(Row._fields) + 1))  # the row, then the token's hash


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def status_of(row: Row, now: datetime) -> Status:
    if row.revoked_at is not None:
        return "revoked"
    return "active" if datetime.fromisoformat(row.expires_at) > now else "expired"


def share_of(row: Row, now: datetime) -> Share:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    return Share(
        id=row.id,
        audience=row.audience,
        label=row.label,
        message=row.message,
        guides=msgspec.json.decode(row.guides, type=list[str]),
        include_schedule=bool(row.include_schedule),
        period_from=None if row.period_from is None else date.fromisoformat(row.period_from),
        period_to=None if row.period_to is None else date.fromisoformat(row.period_to),
        created_at=datetime.fromisoformat(row.created_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        revoked_at=moment(row.revoked_at),
        status=status_of(row, now),
        opens=row.opens,
        last_opened_at=moment(row.last_opened_at),
    )


# --- SQL (run on the database thread) --------------------------------------------------------


def _insert(conn: sqlite3.Connection, row: Row, digest: bytes) -> None:
    conn.execute(
        f"INSERT INTO shares ({COLUMNS}, token_hash) VALUES ({PLACEHOLDERS})",  # noqa: S608
        (*row, digest),
    )


def _owned(conn: sqlite3.Connection, user_id: int) -> list[Row]:
    found = conn.execute(
        f"SELECT {COLUMNS} FROM shares WHERE user_id = ? ORDER BY created_at DESC, id",  # noqa: S608
        (user_id,),
    ).fetchall()
    return [Row(*each) for each in found]


def _revoke(conn: sqlite3.Connection, user_id: int, share_id: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE shares SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?",
        (now, share_id, user_id),
    )
    return cursor.rowcount > 0


def _by_token(conn: sqlite3.Connection, digest: bytes) -> Row | None:
    found = conn.execute(
        f"SELECT {COLUMNS} FROM shares WHERE token_hash = ?",  # noqa: S608
        (digest,),
    ).fetchone()
    return Row(*found) if found else None


def _opened(conn: sqlite3.Connection, share_id: str, now: str) -> None:
    conn.execute(
        "UPDATE shares SET opens = opens + 1, last_opened_at = ? WHERE id = ?", (now, share_id)
    )


class _Planned(msgspec.Struct):
    """The only treatment fields a family link reads (decoding ignores the rest)."""

    at: datetime
    kind: str
    status: str


def _schedule(conn: sqlite3.Connection, user_id: int, now: datetime) -> list[ScheduleItem]:
    # Days are stored in the owner's zone; starting a day early covers every UTC offset.
    since = (now - timedelta(days=1)).date().isoformat()
    data = records.data_between(conn, user_id, TREATMENT.name, since, date.max.isoformat())
    planned = msgspec.json.decode(data, type=list[_Planned])
    upcoming = sorted(
        (each for each in planned if each.status == "planned" and each.at >= now),
        key=lambda each: each.at,
    )
    return [ScheduleItem(at=each.at, kind=each.kind) for each in upcoming[:MAX_SCHEDULE]]


def _owner(conn: sqlite3.Connection, user_id: int) -> User:
    """The link's owner, shaped as the ``User`` the trends and report code take."""
    row = conn.execute(
        f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?",  # noqa: S608
        (user_id,),
    ).fetchone()
    return user_from_row(row, session_id="")  # not a session: the owner is not the one asking


# --- the operations handlers call ------------------------------------------------------------


def validate(body: ShareCreate, guides: Library, now: datetime, today: date) -> Row:
    """Check a new link's scope and expiry; the row to store (id and token come later)."""
    slugs = list(dict.fromkeys(body.guides))
    for index, slug in enumerate(slugs):
        if slug not in guides:
            raise field_error("guides", f"item {index} is not a guide on this server.")
    period_from = period_to = None
    if body.audience == "family":
        if not slugs and not body.include_schedule:
            raise field_error("guides", "choose at least one guide or include the schedule.")
        for name, value in (("from", body.period_from), ("to", body.period_to)):
            if value is not None:
                raise field_error(name, "only a clinician link covers a period.")
    else:
        if slugs:
            raise field_error("guides", "a clinician link shares a report, not guides.")
        if body.include_schedule:
            raise field_error("include_schedule", "only a family link includes the schedule.")
        if body.message.strip():
            raise field_error("message", "only a family link carries a message.")
        # The same defaults as GET /api/trends: the last 90 days.
        start = body.period_from
        period_to = body.period_to or (today if start is None else max(today, start))
        period_from = start or period_to - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if period_from > period_to:
            raise field_error("to", "must be on or after 'from'.")
        if period_from < EARLIEST_DAY or (period_to - period_from).days > progress.MAX_DAYS:
            raise field_error("from", "a period can cover at most 20 years, from 1900 on.")
    expires_at = body.expires_at or now + timedelta(days=DEFAULT_DAYS[body.audience])
    if expires_at <= now:
        raise field_error("expires_at", "must be in the future.")
    if expires_at > now + timedelta(days=MAX_DAYS):
        raise field_error("expires_at", f"a link can last at most {MAX_DAYS} days.")
    return Row(
        id=str(uuid4()),
        user_id=0,
        audience=body.audience,
        label=body.label.strip(),
        guides=msgspec.json.encode(slugs).decode(),
        include_schedule=int(body.include_schedule),
        period_from=None if period_from is None else period_from.isoformat(),
        period_to=None if period_to is None else period_to.isoformat(),
        created_at=timestamp(now),
        expires_at=timestamp(expires_at),
        revoked_at=None,
        opens=0,
        last_opened_at=None,
        message=body.message.strip(),
    )


def token_of(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Share <token>`` header, if it is shaped like one."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "share" or not TOKEN_SHAPE.match(token):
        return None
    return token


async def resolve_token(
    db: Database,
    limiter: RateLimiter,
    client: str,
    authorization: str | None,
    now: datetime,
) -> Row:
    """The live share a holder's header names, or the one 404 for unknown, expired and revoked
    links alike. Failed lookups count against the client address (429 once used up).
    """
    limiter.check(client)
    token = token_of(authorization)
    row = None if token is None else await db.read(_by_token, secret_hash(token))
    if row is None or status_of(row, now) != "active":
        limiter.hit(client)
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


ShareId = FromPath[str]
AuthorizationHeader = Annotated[
    str | None,
    HeaderParameter(name="authorization", description="`Share <token>`, from the link's fragment"),
]


class ShareController(Controller):
    """The owner's links."""

    path = "/api/shares"
    tags = ("sharing",)

    @post("/", summary="Create a share link; the token and URL are shown only in this response")
    async def create_share(
        self,
        data: JSONBody[ShareCreate],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> ShareCreated:
        now = services.clock()
        row = validate(data, services.guides, now, now.astimezone(user.tz).date())._replace(
            user_id=user.id
        )
        token = secrets.token_urlsafe(32)
        await services.db.write(_insert, row, secret_hash(token))
        share = share_of(row, now)
        return ShareCreated(
            **msgspec.structs.asdict(share),
            token=token,
            url=f"{services.settings.public_url}/shared#{token}",
        )

    @get("/", summary="My share links with status, opens and last opened (never the token)")
    async def list_shares(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> list[Share]:
        now = services.clock()
        return [share_of(row, now) for row in await services.db.read(_owned, user.id)]

    @delete("/{share_id:str}", summary="Cancel a share link at once (it stays listed as revoked)")
    async def revoke_share(
        self,
        share_id: ShareId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> None:
        if not await services.db.write(_revoke, user.id, share_id, timestamp(services.clock())):
            raise not_found("share link")


class SharedController(Controller):
    """The holder of a link: no account, no cookie, the token in the Authorization header."""

    path = "/api/shared"
    tags = ("sharing",)
    middleware = (holder_headers,)

    @get("/", summary="What a share link shows (family: guides and dates; clinician: summary)")
    async def open_share(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        authorization: AuthorizationHeader = None,
    ) -> FamilyView | ClinicianView:
        now = services.clock()
        row = await resolve_token(
            services.db, services.share_limiter, client_address(request), authorization, now
        )
        view: FamilyView | ClinicianView
        if row.audience == "family":
            slugs = msgspec.json.decode(row.guides, type=list[str])
            schedule = (
                await services.db.read(_schedule, row.user_id, now)
                if row.include_schedule
                else None
            )
            view = FamilyView(
                message=row.message,
                expires_at=datetime.fromisoformat(row.expires_at),
                guides=[services.guides[slug] for slug in slugs if slug in services.guides],
                schedule=schedule,
            )
        else:
            start, end = _period_of(row)
            owner = await services.db.read(_owner, row.user_id)
            trends = await progress.load_trends(services.db, owner, start, end, services.clock)
            view = ClinicianView(
                patient_name=patient_name(owner),
                period_from=start,
                period_to=end,
                expires_at=datetime.fromisoformat(row.expires_at),
                summary=trends.summary,
            )
        await services.db.write(_opened, row.id, timestamp(now))
        return view

    @get("/report.pdf", summary="A clinician link's one-page PDF report")
    async def shared_report(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        authorization: AuthorizationHeader = None,
    ) -> Response[bytes]:
        now = services.clock()
        row = await resolve_token(
            services.db, services.share_limiter, client_address(request), authorization, now
        )
        if row.audience != "clinician":
            raise PermissionDeniedException("This link does not include a report.")
        start, end = _period_of(row)
        owner = await services.db.read(_owner, row.user_id)
        pdf = await report_pdf(
            services.db, owner, start, end, services.clock, services.settings.report_paper
        )
        return attachment(pdf, "application/pdf", filename("report", start, end, "pdf"))


def _period_of(row: Row) -> tuple[date, date]:
    assert row.period_from is not None and row.period_to is not None
    return date.fromisoformat(row.period_from), date.fromisoformat(row.period_to)
