"""Reminders: what is due for whom at which instant, and what the notification says. Pure.

Three reminders, each off by default, each at a local time the person chooses:

- ``checkin``: every day, skipped on a day that already has a check-in.
- ``questionnaire``: when no questionnaire was taken in the last 14 days and no questionnaire
  reminder went out in the last 14 days (so an ignored one comes back two weeks later, not daily).
- ``session``: the evening before a planned treatment ("Tomorrow: your session at 10:00 — is your
  ride arranged?"); people must not drive after ketamine or esketamine until the next day.

Times are wall-clock times in the person's zone. A reminder is due in the window from its time to
``GRACE`` later on the same local day, so a server that was down at 20:00 still sends at 20:20,
and a time that a DST change skips (02:30 on the spring-forward night) is sent at the first
minute that exists after it. At most one per reminder per local day: the store claims
``(user, reminder, local day)`` before sending, which also covers the hour a fall-back repeats.
Nothing is sent inside quiet hours (a catch-up never wakes anyone), and a time inside them is
refused when saved.

A notification carries only the reminder's kind and a short sentence. The wording never names the
treatment or the illness (a lock screen is public); ``discreet`` wording says only "A reminder
from Waypoint".
"""

from __future__ import annotations

import ipaddress
from datetime import date, datetime, timedelta
from datetime import time as Time
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import msgspec

from api.domain.errors import InvalidField

ReminderKind = Literal["checkin", "questionnaire", "session"]
REMINDER_KINDS: tuple[ReminderKind, ...] = ("checkin", "questionnaire", "session")
Wording = Literal["neutral", "discreet"]
GRACE = timedelta(hours=1)
QUESTIONNAIRE_EVERY = timedelta(days=14)
TITLE = "Waypoint"
# Where a tap on the notification opens the web app.
OPENS: dict[ReminderKind, str] = {
    "checkin": "/#/today",
    "questionnaire": "/#/questionnaires",
    "session": "/#/treatments",
}
NEUTRAL: dict[ReminderKind, str] = {
    "checkin": "Time for your check-in",
    "questionnaire": "Time for your two-weekly questionnaire",
    "session": "Tomorrow: your session at {time} — is your ride arranged?",
}
DISCREET = "A reminder from Waypoint"
TEST_BODY = "Reminders are working. This is how they will look."

ClockTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Local wall-clock time, HH:MM (24-hour)",
        examples=["20:00"],
    ),
]


def clock(text: str) -> Time:
    return Time.fromisoformat(text)


class Reminder(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    enabled: bool = False
    time: ClockTime


class QuietHours(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """No reminder between ``start`` and ``end`` (may cross midnight: 22:00 to 07:00)."""

    enabled: bool = False
    start: ClockTime = "22:00"
    end: ClockTime = "07:00"


class ReminderSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``GET``/``PUT /api/reminders``: all off until the person turns one on."""

    checkin: Reminder = msgspec.field(default_factory=lambda: Reminder(time="20:00"))
    questionnaire: Reminder = msgspec.field(default_factory=lambda: Reminder(time="18:00"))
    session: Reminder = msgspec.field(default_factory=lambda: Reminder(time="19:00"))
    quiet_hours: QuietHours = msgspec.field(default_factory=QuietHours)
    wording: Wording = "neutral"

    def reminder(self, kind: ReminderKind) -> Reminder:
        found: Reminder = getattr(self, kind)
        return found

    @property
    def any_enabled(self) -> bool:
        return any(self.reminder(kind).enabled for kind in REMINDER_KINDS)


class Payload(msgspec.Struct, kw_only=True):
    """The notification, as the service worker receives it (encrypted on the way)."""

    kind: ReminderKind | Literal["test"]
    title: str
    body: str
    url: str


def in_quiet_hours(moment: Time, quiet: QuietHours) -> bool:
    start, end = clock(quiet.start), clock(quiet.end)
    if not quiet.enabled or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def validate(settings: ReminderSettings) -> ReminderSettings:
    """Refuse a reminder set inside quiet hours: it could never be sent."""
    for kind in REMINDER_KINDS:
        reminder = settings.reminder(kind)
        if reminder.enabled and in_quiet_hours(clock(reminder.time), settings.quiet_hours):
            raise InvalidField(f"{kind}.time", "falls inside your quiet hours; choose another.")
    return settings


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A reminder whose time has come for one person; the store checks the facts and claims it."""

    user_id: int
    kind: ReminderKind
    local_day: date
    timezone: str
    wording: Wording


class Schedule(msgspec.Struct, frozen=True, kw_only=True):
    """One person's reminder settings and zone, as the scheduler reads them."""

    user_id: int
    timezone: str
    settings: ReminderSettings


def due_at(now: datetime, schedules: list[Schedule]) -> list[Candidate]:
    """Every reminder whose window holds the instant ``now`` (an aware datetime)."""
    found = []
    for schedule in schedules:
        local = now.astimezone(ZoneInfo(schedule.timezone))
        wall = local.replace(tzinfo=None)
        if in_quiet_hours(wall.time(), schedule.settings.quiet_hours):
            continue
        for kind in REMINDER_KINDS:
            reminder = schedule.settings.reminder(kind)
            if not reminder.enabled:
                continue
            start = datetime.combine(local.date(), clock(reminder.time))
            # Compared as wall-clock times: a skipped 02:30 is due at 03:00, a repeated 01:30
            # is due twice but claimed once.
            if start <= wall < start + GRACE:
                found.append(
                    Candidate(
                        user_id=schedule.user_id,
                        kind=kind,
                        local_day=local.date(),
                        timezone=schedule.timezone,
                        wording=schedule.settings.wording,
                    )
                )
    return found


class Facts(msgspec.Struct, frozen=True, kw_only=True):
    """What the store knows about a candidate's person on its local day."""

    checked_in: bool = False  # a check-in exists for the local day
    last_questionnaire: date | None = None  # local day of the latest questionnaire
    last_questionnaire_reminder: date | None = None
    tomorrow_sessions: tuple[datetime, ...] = ()  # planned treatments on the next local day


def message_for(candidate: Candidate, facts: Facts) -> Payload | None:
    """The notification to send for a due reminder, or None when its rule says skip."""
    day = candidate.local_day
    time_text = ""
    if candidate.kind == "checkin" and facts.checked_in:
        return None
    if candidate.kind == "questionnaire":
        for last in (facts.last_questionnaire, facts.last_questionnaire_reminder):
            if last is not None and day - last < QUESTIONNAIRE_EVERY:
                return None
    if candidate.kind == "session":
        if not facts.tomorrow_sessions:
            return None
        first = min(facts.tomorrow_sessions).astimezone(ZoneInfo(candidate.timezone))
        time_text = first.strftime("%H:%M")
    body = (
        DISCREET
        if candidate.wording == "discreet"
        else NEUTRAL[candidate.kind].format(time=time_text)
    )
    return Payload(kind=candidate.kind, title=TITLE, body=body, url=OPENS[candidate.kind])


def test_payload() -> Payload:
    return Payload(kind="test", title=TITLE, body=TEST_BODY, url=OPENS["checkin"])


# --- push subscriptions ---------------------------------------------------------------------

P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16
B64URL = r"^[A-Za-z0-9_-]+={0,2}$"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _public_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "." in host and host != "localhost" and not host.endswith(".localhost")
    return False


class SubscriptionKeys(msgspec.Struct, kw_only=True):
    p256dh: Annotated[str, msgspec.Meta(min_length=80, max_length=100, pattern=B64URL)]
    auth: Annotated[str, msgspec.Meta(min_length=16, max_length=30, pattern=B64URL)]


class SubscriptionIn(msgspec.Struct, kw_only=True):
    """A browser's ``PushSubscription.toJSON()`` (``expirationTime`` is accepted and unused)."""

    endpoint: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]
    keys: SubscriptionKeys
    expirationTime: float | None = None  # the browser's own field name


class SubscriptionOut(msgspec.Struct, kw_only=True):
    endpoint: str


def _b64_length(text: str) -> int:
    stripped = text.rstrip("=")
    return len(stripped) * 3 // 4


def check_subscription(body: SubscriptionIn, allow_local: bool) -> None:
    """An https push endpoint (plain http only to this machine, when the setting allows it) and
    keys of the sizes RFC 8291 fixes. Messages never repeat the endpoint (it is a secret)."""
    parts = urlsplit(body.endpoint)
    host = parts.hostname or ""
    local = parts.scheme == "http" and host in LOCAL_HOSTS
    # Push services have DNS names; an address or localhost would let an account make the
    # server POST into its own network.
    if not ((parts.scheme == "https" and _public_name(host)) or (allow_local and local)):
        raise InvalidField("endpoint", "must be an https:// URL of a push service.")
    if _b64_length(body.keys.p256dh) != P256DH_BYTES:
        raise InvalidField("keys.p256dh", "must be a 65-byte P-256 public key, base64url.")
    if _b64_length(body.keys.auth) != AUTH_BYTES:
        raise InvalidField("keys.auth", "must be a 16-byte secret, base64url.")
