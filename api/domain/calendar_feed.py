"""The calendar feed: planned treatments as an iCalendar document (RFC 5545). Pure.

Built with the ``icalendar`` library rather than by hand: it folds long lines, escapes text and
writes the ``VTIMEZONE`` of the person's zone, the parts a hand-written feed gets wrong.

One ``VEVENT`` per treatment from ``PAST_DAYS`` ago on (planned and done; a cancelled one stays
in the feed as ``STATUS:CANCELLED`` so calendar apps remove it instead of keeping a stale copy),
with the treatment's id as its stable ``UID``, the start in the person's zone (``TZID``), two
hours long (esketamine needs at least two hours of observation; an infusion and its recovery take
about as long), and for a planned one a ``VALARM`` the evening before at the person's chosen
evening time (the ``session`` reminder's time, 19:00 by default).

A feed holds the kind, the time and (the owner's feed only) the clinic: never dose, notes, side
effects or blood pressure. The family feed holds time and kind only. Titles are neutral words
("Infusion", "Nasal spray session"): calendar alarms show on a lock screen too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from datetime import time as Time
from typing import Annotated, Literal, NamedTuple
from uuid import uuid4
from zoneinfo import ZoneInfo

import msgspec
from icalendar import Alarm, Calendar, Event

from api.domain.errors import InvalidField
from api.domain.shares import moment, status_of, timestamp

CalendarAudience = Literal["owner", "family"]
PAST_DAYS = 60
DURATION = timedelta(hours=2)
MAX_DAYS = 366
DEFAULT_DAYS = 180
PRODID = "-//Waypoint//Treatment calendar//EN"
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
TITLES = {
    "iv_infusion": "Infusion",
    "esketamine_nasal": "Nasal spray session",
    "im_injection": "Injection",
    "oral": "Treatment session",
    "other": "Treatment session",
}
OWNER_NOTE = "Plan a ride home: no driving until the next day, after a restful sleep."
FAMILY_NOTE = "A planned treatment session. The person will need a ride home."


class CalendarLinkCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``owner``: for the person's own calendar (with the clinic). ``family``: for someone who
    drives them (time and kind only)."""

    audience: CalendarAudience = "owner"
    label: Annotated[str, msgspec.Meta(max_length=80)] = ""
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class CalendarLink(msgspec.Struct, kw_only=True):
    """A link as its owner sees it (never the token)."""

    id: str
    audience: CalendarAudience
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]
    opens: int
    last_opened_at: datetime | None


class CalendarLinkCreated(CalendarLink, kw_only=True):
    """Returned once, at creation: the https URL and the same as ``webcal://`` (which makes a
    phone offer "Subscribe" instead of a one-off import)."""

    token: str
    url: str
    webcal_url: str


class Session(NamedTuple):
    """One treatment as the feed reads it."""

    id: str
    at: datetime
    kind: str
    status: str
    clinic: str | None


def feed(
    sessions: list[Session],
    *,
    audience: CalendarAudience,
    timezone: str,
    alarm_time: Time,
    now: datetime,
    domain: str,
) -> bytes:
    """The ``text/calendar`` body for one person's treatments."""
    tz = ZoneInfo(timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Treatment sessions" if audience == "owner" else "Sessions")
    calendar.add("x-wr-timezone", timezone)
    since = now - timedelta(days=PAST_DAYS)
    for session in sorted(sessions, key=lambda each: each.at):
        if session.at < since:
            continue
        calendar.add_component(_event(session, audience, tz, alarm_time, now, domain))
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _event(
    session: Session,
    audience: CalendarAudience,
    tz: ZoneInfo,
    alarm_time: Time,
    now: datetime,
    domain: str,
) -> Event:
    start = session.at.astimezone(tz)
    event = Event()
    event.add("uid", f"{session.id}@{domain}")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", TITLES.get(session.kind, TITLES["other"]))
    event.add("description", OWNER_NOTE if audience == "owner" else FAMILY_NOTE)
    event.add("status", "CANCELLED" if session.status == "cancelled" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if audience == "owner" and session.clinic:
        event.add("location", session.clinic)
    if session.status == "planned":
        event.add_component(_alarm(start, alarm_time, tz))
    return event


def _alarm(start: datetime, alarm_time: Time, tz: ZoneInfo) -> Alarm:
    evening = datetime.combine(start.date() - timedelta(days=1), alarm_time, tzinfo=tz)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    # An absolute trigger must be in UTC (RFC 5545 3.8.6.3).
    alarm.add("trigger", evening.astimezone(ZoneInfo("UTC")))
    alarm.add("description", f"Tomorrow: your session at {start:%H:%M} — is your ride arranged?")
    return alarm


class Row(NamedTuple):
    id: str
    user_id: int
    audience: CalendarAudience
    label: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    opens: int
    last_opened_at: str | None


COLUMNS = ", ".join(Row._fields)


def new_link(body: CalendarLinkCreate, user_id: int, now: datetime) -> Row:
    """The row of a new link (expiry checked): like a share link it expires, but later (a
    calendar subscription is meant to last), 180 days unless chosen, at most 366."""
    expires_at = body.expires_at or now + timedelta(days=DEFAULT_DAYS)
    if expires_at <= now:
        raise InvalidField("expires_at", "must be in the future.")
    if expires_at > now + timedelta(days=MAX_DAYS):
        raise InvalidField("expires_at", f"a calendar link can last at most {MAX_DAYS} days.")
    return Row(
        id=str(uuid4()),
        user_id=user_id,
        audience=body.audience,
        label=body.label.strip(),
        created_at=timestamp(now),
        expires_at=timestamp(expires_at),
        revoked_at=None,
        opens=0,
        last_opened_at=None,
    )


def link_of(row: Row, now: datetime) -> CalendarLink:
    return CalendarLink(
        id=row.id,
        audience=row.audience,
        label=row.label,
        created_at=datetime.fromisoformat(row.created_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        revoked_at=moment(row.revoked_at),
        status=status_of(row, now),
        opens=row.opens,
        last_opened_at=moment(row.last_opened_at),
    )


def feed_since(now: datetime) -> str:
    """The first stored day the feed reads (a day early covers every UTC offset)."""
    return (now - timedelta(days=PAST_DAYS + 1)).date().isoformat()
