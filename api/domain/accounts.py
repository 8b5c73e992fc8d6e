"""An account as the rest of the code sees it."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from api.domain.errors import InvalidField

# Text the account or a share link keeps as a database column: PostgreSQL cannot store NUL in
# text (SQLite can), so it is refused on both engines alike, as a 400 naming the field.
NO_NUL = r"^[^\x00]*$"


class User(msgspec.Struct, frozen=True):
    """The logged-in account (or a share link's owner, with no session)."""

    id: int
    username: str
    display_name: str
    timezone: str
    baseline_date: date | None
    created_at: str
    session_id: str

    @property
    def tz(self) -> ZoneInfo:
        # ZoneInfo keeps its own cache of zones by name: no second cache needed.
        return ZoneInfo(self.timezone)


class Account(msgspec.Struct, kw_only=True):
    """The account as its owner reads it."""

    username: str
    display_name: str
    timezone: str
    baseline_date: date | None
    created_at: str


def account_of(user: User) -> Account:
    return Account(
        username=user.username,
        display_name=user.display_name,
        timezone=user.timezone,
        baseline_date=user.baseline_date,
        created_at=user.created_at,
    )


def patient_name(user: User) -> str:
    return user.display_name or user.username


def check_timezone(name: str, field: str = "timezone") -> None:
    """Refuse a name that is not an IANA time zone (the message never repeats the value)."""
    if name not in _zones():
        raise InvalidField(field, "is not a known IANA time zone name, e.g. Europe/Paris.")


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES
