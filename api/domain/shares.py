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
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal, NamedTuple, Protocol
from uuid import uuid4

import msgspec

from api.domain.accounts import NO_NUL
from api.domain.dates import check_day
from api.domain.errors import InvalidField
from api.domain.guides.format import Guide, Library
from api.domain.report.content import ReportContent
from api.domain.trends import Summary

ShareAudience = Literal["family", "clinician"]
Status = Literal["active", "expired", "revoked"]
DEFAULT_DAYS: dict[str, int] = {"family": 30, "clinician": 14}
MAX_DAYS = 90
DEFAULT_PERIOD_DAYS = 90  # a clinician link without from/to covers the last 90 days
EARLIEST_DAY = date(1900, 1, 1)
MAX_SCHEDULE = 100
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
GONE = "This link is not valid. It may have expired or been cancelled."
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


MAX_PERIOD_DAYS = 366 * 20  # as GET /api/trends


class ShareCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    audience: ShareAudience
    guides: Annotated[list[Slug], msgspec.Meta(max_length=50)] = []
    include_schedule: bool = False
    period_from: date | None = msgspec.field(default=None, name="from")
    period_to: date | None = msgspec.field(default=None, name="to")
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    label: Annotated[str, msgspec.Meta(max_length=80, pattern=NO_NUL)] = ""
    # Shown to the holder of a family link; the label stays the owner's private name.
    message: Annotated[str, msgspec.Meta(max_length=500, pattern=NO_NUL)] = ""


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
    """One period, as the PDF shows it: nothing dated after `to` except `report.next_planned`
    (labelled "next planned session") and the link's own `expires_at`."""

    patient_name: str
    patient_reference: str = ""
    period_from: date = msgspec.field(name="from")
    period_to: date = msgspec.field(name="to")
    expires_at: datetime
    summary: Summary
    report: ReportContent


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


class Expiring(Protocol):
    """A stored link (a share link, a calendar link): revocable, expiring."""

    @property
    def revoked_at(self) -> str | None: ...

    @property
    def expires_at(self) -> str: ...


def status_of(row: Expiring, now: datetime) -> Status:
    if row.revoked_at is not None:
        return "revoked"
    return "active" if datetime.fromisoformat(row.expires_at) > now else "expired"


def moment(text: str | None) -> datetime | None:
    """A stored timestamp, or None for one not set."""
    return None if text is None else datetime.fromisoformat(text)


def share_of(row: Row, now: datetime) -> Share:
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


def _clinician_period(body: ShareCreate, slugs: list[str], today: date) -> tuple[date, date]:
    """A clinician link's period, with the same defaults as GET /api/trends (the last 90 days)."""
    if slugs:
        raise InvalidField("guides", "a clinician link shares a report, not guides.")
    if body.include_schedule:
        raise InvalidField("include_schedule", "only a family link includes the schedule.")
    if body.message.strip():
        raise InvalidField("message", "only a family link carries a message.")
    start = body.period_from
    period_to = body.period_to or (today if start is None else max(today, start))
    period_from = start or period_to - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if period_from > period_to:
        raise InvalidField("to", "must be on or after 'from'.")
    if period_from < EARLIEST_DAY or (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise InvalidField("from", "a period can cover at most 20 years, from 1900 on.")
    return period_from, period_to


def _check_family(body: ShareCreate, slugs: list[str]) -> None:
    if not slugs and not body.include_schedule:
        raise InvalidField("guides", "choose at least one guide or include the schedule.")
    for name, value in (("from", body.period_from), ("to", body.period_to)):
        if value is not None:
            raise InvalidField(name, "only a clinician link covers a period.")


def _expiry(body: ShareCreate, now: datetime) -> datetime:
    expires_at = body.expires_at or now + timedelta(days=DEFAULT_DAYS[body.audience])
    if expires_at <= now:
        raise InvalidField("expires_at", "must be in the future.")
    if expires_at > now + timedelta(days=MAX_DAYS):
        raise InvalidField("expires_at", f"a link can last at most {MAX_DAYS} days.")
    return expires_at


def validate(body: ShareCreate, guides: Library, now: datetime, today: date) -> Row:
    """Check a new link's scope and expiry; the row to store (id and token come later)."""
    for name, value in (("from", body.period_from), ("to", body.period_to)):
        check_day(name, value)
    check_day("expires_at", body.expires_at)
    slugs = list(dict.fromkeys(body.guides))
    for index, slug in enumerate(slugs):
        if slug not in guides:
            raise InvalidField("guides", f"item {index} is not a guide on this server.")
    period: tuple[date, date] | None = None
    if body.audience == "family":
        _check_family(body, slugs)
    else:
        period = _clinician_period(body, slugs, today)
    expires_at = _expiry(body, now)
    return Row(
        id=str(uuid4()),
        user_id=0,
        audience=body.audience,
        label=body.label.strip(),
        guides=msgspec.json.encode(slugs).decode(),
        include_schedule=int(body.include_schedule),
        period_from=None if period is None else period[0].isoformat(),
        period_to=None if period is None else period[1].isoformat(),
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
