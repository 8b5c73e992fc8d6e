"""An account as the rest of the code sees it."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from api.domain.errors import InvalidField

# Text the account or a share link keeps as a database column: PostgreSQL cannot store NUL in
# text (SQLite can), so it is refused on both engines alike, as a 400 naming the field.
NO_NUL = r"^[^\x00]*$"


ClinicPhone = Annotated[
    str,
    msgspec.Meta(
        max_length=30,
        pattern=r"^\s*$|^\s*\+?[0-9][0-9 ().-]{2,28}\s*$",
        description="The clinic's phone number, shown on care-team prompts; '' for none",
    ),
]
PatientReference = Annotated[
    str,
    msgspec.Meta(
        max_length=40, description="The clinic's record number, printed in the report's header"
    ),
]


class _Phone(msgspec.Struct):
    clinic_phone: ClinicPhone


def check_clinic_phone(value: str, field: str = "clinic_phone") -> str:
    """The number, trimmed, if it looks like a phone number (the same rule as PATCH)."""
    try:
        return msgspec.convert({"clinic_phone": value}, _Phone).clinic_phone.strip()
    except msgspec.ValidationError:
        raise InvalidField(field, "is not a phone number.") from None


class User(msgspec.Struct, frozen=True):
    """The logged-in account (or a share link's owner, with no session)."""

    id: int
    username: str
    display_name: str
    timezone: str
    baseline_date: date | None
    created_at: str
    session_id: str
    clinic_phone: str = ""
    patient_reference: str = ""

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
    clinic_phone: str = ""
    patient_reference: str = ""


def account_of(user: User) -> Account:
    return Account(
        username=user.username,
        display_name=user.display_name,
        timezone=user.timezone,
        baseline_date=user.baseline_date,
        created_at=user.created_at,
        clinic_phone=user.clinic_phone,
        patient_reference=user.patient_reference,
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
