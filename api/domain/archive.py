"""Taking the account's data out and bringing it back: the JSON archive and Daylio's CSV.

**Archive** (``GET /api/export/archive``, ``POST /api/import/archive``): every live record of the
account as GET returns it, with the account's profile. An import goes through the same
versioned-record mechanism as a PUT (``Kind.prepare`` validates and scores, ``records.put_row``
stores). The whole file is checked before anything is written, one record at a time
(``read_archive`` keeps each record as raw JSON, ``archive_records`` decodes one at a time), and
it is then written in batches, whole or not at all (``api/store/imports.py``).

The import never overwrites: a record is created when the server has no record with its id,
left alone (and counted ``unchanged``) when the server's copy is identical, and otherwise counted
as a ``conflict`` and left as the server has it — the server's copy may be newer, and silently
replacing a journal entry with an old backup would lose the newer text. Importing the same
archive twice therefore changes nothing. Versions restart at 1 on the importing server (a
version is a server's own edit counter, not part of the data); ids are kept.

Profile fields are filled only where the importing account still has the default (empty display
name, time zone UTC, no baseline date), so restoring into a fresh account brings them back and
importing into a set-up account never changes its settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from api.domain.accounts import NO_NUL, User, check_clinic_phone, check_timezone
from api.domain.dates import check_day
from api.domain.errors import InvalidField, field_error, rule_only
from api.domain.kinds import (
    KINDS,
    AssessmentOut,
    Encoded,
    EntryOut,
    Kind,
    SafetyPlanOut,
    TreatmentOut,
)

ARCHIVE_FORMAT: Final = "waypoint-archive"
ARCHIVE_VERSION: Final = 1
MAX_REPORTED: Final = 100
ARCHIVE_MAX_BYTES = 64 * 1024 * 1024


class ArchiveAccount(msgspec.Struct, kw_only=True):
    username: str = ""
    display_name: Annotated[str, msgspec.Meta(pattern=NO_NUL)] = ""
    timezone: str = "UTC"
    baseline_date: date | None = None
    clinic_phone: str = ""
    patient_reference: str = ""


class Archive(msgspec.Struct, kw_only=True):
    """The whole account. Records are exactly what GET returns, with their id and version."""

    format: Literal["waypoint-archive"]
    version: Literal[1]
    exported_at: str = ""
    account: ArchiveAccount = msgspec.field(default_factory=ArchiveAccount)
    entries: list[EntryOut] = []
    treatments: list[TreatmentOut] = []
    assessments: list[AssessmentOut] = []
    safety_plan: list[SafetyPlanOut] = []  # at most one


class ArchiveFile(msgspec.Struct, kw_only=True):
    """An archive as it arrives: the header decoded, each record kept as its raw JSON
    (``msgspec.Raw`` points into the request's buffer, no copy: about 60 bytes a record), so an
    archive of any size is checked and written one record at a time."""

    format: Literal["waypoint-archive"]
    version: Literal[1]
    exported_at: str = ""
    account: ArchiveAccount = msgspec.field(default_factory=ArchiveAccount)
    entries: list[msgspec.Raw] = []
    treatments: list[msgspec.Raw] = []
    assessments: list[msgspec.Raw] = []
    safety_plan: list[msgspec.Raw] = []


class RecordHead(msgspec.Struct, gc=False):
    """What every record has: an id, a UUID of 36 characters."""

    id: Annotated[str, msgspec.Meta(min_length=36, max_length=36)]


class ArchiveHeads(msgspec.Struct, kw_only=True):
    """The first look at an archive. ``msgspec.Raw`` costs about 56 bytes a list element however
    small the element, so 64 MB of ``[1,1,1,...`` would take 2 GB as raw records; decoded as
    heads, a file stops at its first element that is not an object with an id, and every element
    that passes is at least 45 bytes: the heads of a 64 MB file take at most about 175 MB, its raw
    records about 80 MB, both at their worst; a real archive's far less (README, "Performance")."""

    format: Literal["waypoint-archive"]
    version: Literal[1]
    entries: list[RecordHead] = []
    treatments: list[RecordHead] = []
    assessments: list[RecordHead] = []
    safety_plan: list[RecordHead] = []


_ARCHIVE_HEADS = msgspec.json.Decoder(ArchiveHeads)
_ARCHIVE_FILE = msgspec.json.Decoder(ArchiveFile)
_RECORD_DECODERS = {name: msgspec.json.Decoder(kind.out_type) for name, kind in KINDS.items()}


class ConflictRef(msgspec.Struct):
    kind: str
    id: str


class ImportResult(msgspec.Struct, kw_only=True):
    created: int = 0
    unchanged: int = 0
    conflicts: int = 0
    #: The conflicting records (the first 100): kept as the server has them.
    conflicted: list[ConflictRef] = []
    #: Profile fields filled from the archive (only those the account had at their default).
    account_updated: list[str] = []


class Staged(NamedTuple):
    """One validated record, encoded and ready for ``put_row``."""

    kind: str
    id: str
    data: Encoded


def stage(kind: Kind[Any, Any], body: Any, record_id: str, tz: ZoneInfo, now: datetime) -> Staged:
    """Encode one valid PUT body the way a PUT does (raises ``InvalidField`` like a PUT would)."""
    return Staged(kind.name, record_id, kind.encode(body, tz, now))


# --- archive ---------------------------------------------------------------------------------


def profile_changes(user: User, account: ArchiveAccount) -> dict[str, Any]:
    """The profile fields to fill: only those still at their default in the importing account."""
    changes: dict[str, Any] = {}
    if not user.display_name and account.display_name:
        changes["display_name"] = account.display_name[:80]
    if user.timezone == "UTC" and account.timezone != "UTC":
        check_timezone(account.timezone, field="account.timezone")
        changes["timezone"] = account.timezone
    check_day("account.baseline_date", account.baseline_date)
    if user.baseline_date is None and account.baseline_date is not None:
        changes["baseline_date"] = account.baseline_date.isoformat()
    if not user.clinic_phone and account.clinic_phone:
        changes["clinic_phone"] = check_clinic_phone(account.clinic_phone, "account.clinic_phone")
    if not user.patient_reference and account.patient_reference:
        changes["patient_reference"] = account.patient_reference.strip()[:40]
    return changes


def read_archive(buffer: bytes | bytearray) -> ArchiveFile:
    """The archive's header and its records as raw JSON (raises ``InvalidField``)."""
    try:
        _ARCHIVE_HEADS.decode(buffer)  # bounds what the raw records can cost (see ArchiveHeads)
        return _ARCHIVE_FILE.decode(buffer)
    except msgspec.ValidationError as exc:
        raise field_error("", exc) from None
    except msgspec.DecodeError:
        raise InvalidField("body", "is not valid JSON (a Waypoint archive).") from None


def archive_records(archive: ArchiveFile, tz: ZoneInfo, now: datetime) -> Iterator[Staged]:
    """Every record of the archive, decoded, validated and encoded as its PUT would be, one at a
    time (only one is held at once). Raises ``InvalidField`` at the first bad one, named by its
    place in the file (``entries[3].mood``)."""
    for kind in KINDS.values():
        decoder = _RECORD_DECODERS[kind.name]
        for index, raw in enumerate(getattr(archive, kind.section)):
            where = f"{kind.section}[{index}]"
            try:
                record = decoder.decode(raw)
                record_id = str(UUID(record.id))
            except msgspec.ValidationError as exc:
                raise field_error(where, exc) from None
            except ValueError:
                raise InvalidField(f"{where}.id", "must be a UUID.") from None
            try:
                body = kind.validate(record)
                yield stage(kind, body, record_id, tz, now)
            except msgspec.ValidationError as exc:
                raise field_error(where, exc) from None
            except InvalidField as exc:
                raise InvalidField(f"{where}.{exc.field}", exc.message) from None
            except ValueError as exc:  # scoring refuses what the Struct could not express
                raise InvalidField(where, rule_only(str(exc))) from None
