"""Taking the account's data out and bringing it back: the JSON archive and Daylio's CSV.

**Archive** (``GET /api/export/archive``, ``POST /api/import/archive``): every live record of the
account as GET returns it, with the account's profile. An import goes through the same
versioned-record mechanism as a PUT (``Kind.prepare`` validates and scores, ``records.put_row``
stores) in ONE ``db.write``, so an archive is imported whole or not at all.

The import never overwrites: a record is created when the server has no record with its id,
left alone (and counted ``unchanged``) when the server's copy is identical, and otherwise counted
as a ``conflict`` and left as the server has it — the server's copy may be newer, and silently
replacing a journal entry with an old backup would lose the newer text. Importing the same
archive twice therefore changes nothing. Versions restart at 1 on the importing server (a
version is a server's own edit counter, not part of the data); ids are kept.

Profile fields are filled only where the importing account still has the default (empty display
name, time zone UTC, no baseline date), so restoring into a fresh account brings them back and
importing into a set-up account never changes its settings.

**Daylio** (``POST /api/import/daylio``, the CSV body of Daylio's "Export entries"): columns
``full_date, date, weekday, time, mood, activities, note_title, note``. Daylio's five default
moods map to Waypoint's 0-10 mood as the middle of five equal fifths of the scale:

    =====  ==  =======================================================================
    rad     9  the top fifth (8-10); not 10, which Daylio cannot distinguish from 8
    good    7
    meh     5  the neutral middle
    bad     3
    awful   1  the bottom fifth (0-2); deliberately not 0, Waypoint's crisis flag, which
               must mean the person chose the lowest score, not that a Daylio face was sad
    =====  ==  =======================================================================

A custom mood label is an error (rename it to a default one in Daylio first). Activities
(separated by " | ") become tags (at most 20, each at most 40 characters); the note title and
the note become the note, separated by a blank line. Each row gets a deterministic id (uuid5 of
username, date, time, mood, activities and note), so importing the same file again creates no
duplicates.
Every row is validated first; if any is bad, the response is 400 listing
``{line, field, message}`` and nothing from the file is stored.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import date, datetime, time
from typing import Any, Final, Literal, NamedTuple
from uuid import UUID, uuid5

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, RawBody

from api import records
from api.accounts import AccountPatch, check_timezone
from api.assessments import ASSESSMENT, AssessmentOut, AssessmentPut
from api.db import Database
from api.entries import ENTRY, EntryOut, EntryPut
from api.errors import Conflict, field_error
from api.exports import ALL
from api.services import Services
from api.sessions import User
from api.treatments import TREATMENT, TreatmentOut, TreatmentPut

ARCHIVE_FORMAT: Final = "waypoint-archive"
ARCHIVE_VERSION: Final = 1
#: ``put_row`` with base version 0 only ever creates: no stored record has version 0, so an
#: existing record with other content is a Conflict instead of being replaced.
CREATE_ONLY: Final = 0
MAX_REPORTED: Final = 100

DAYLIO_MOODS: Final = {"rad": 9, "good": 7, "meh": 5, "bad": 3, "awful": 1}
DAYLIO_REQUIRED: Final = ("full_date", "time", "mood")
#: Namespace of Daylio entry ids (a fixed random UUID; never change it, or re-imports duplicate).
DAYLIO_NAMESPACE: Final = UUID("0d6c5f0a-7f3e-4b43-a1a4-3a5e8c7b2f61")
MOVED_NAMESPACE: Final = UUID("3c1e9b7a-52d4-4f0e-8a61-9d2b7c4e1f08")
_TIME_12H = re.compile(r"^(\d{1,2}):(\d{2})\s*([AaPp])\.?\s*[Mm]\.?$")
_TIME_24H = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class ArchiveAccount(msgspec.Struct, kw_only=True):
    username: str = ""
    display_name: str = ""
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
    data: bytes
    day: str
    flagged: bool


# --- storing (one transaction) ------------------------------------------------------------------


def _put_created(
    conn: sqlite3.Connection, user_id: int, each: Staged, record_id: str, now: str
) -> bool | None:
    """True if created, False if already there unchanged, None for a conflict."""
    try:
        created, _ = records.put_row(
            conn, user_id, each.kind, record_id, CREATE_ONLY, each.data, each.day, each.flagged, now
        )
    except Conflict:
        return None
    return created


def _store(
    conn: sqlite3.Connection, user_id: int, staged: list[Staged], profile: dict[str, Any], now: str
) -> ImportResult:
    result = ImportResult(account_updated=sorted(profile))
    for column, value in profile.items():  # column names come from this module, never the client
        conn.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))  # noqa: S608
    for each in staged:
        try:
            created = _put_created(conn, user_id, each, each.id, now)
        except records.NotYours:
            # The id is another account's on this server (an archive moved between accounts):
            # store it under an id derived from it, the same on every import, so a second
            # import of the same archive still changes nothing.
            moved = str(uuid5(MOVED_NAMESPACE, f"{user_id}:{each.id}"))
            created = _put_created(conn, user_id, each, moved, now)
        if created is None:
            result.conflicts += 1
            if len(result.conflicted) < MAX_REPORTED:
                result.conflicted.append(ConflictRef(each.kind, each.id))
            continue
        if created:
            result.created += 1
        else:
            result.unchanged += 1
    return result


def stage(kind: records.Kind[Any], body: Any, record_id: str, user: User, now: datetime) -> Staged:
    """Validate one record the way a PUT does; raises ValidationException like a PUT would."""
    prepared = kind.prepare(body, user, now)
    data = records.ENCODER.encode(prepared.stored)
    return Staged(kind.name, record_id, data, prepared.day, prepared.flagged)


# --- archive ------------------------------------------------------------------------------------


async def build_archive(db: Database, user: User, now: datetime) -> Archive:
    return Archive(
        format=ARCHIVE_FORMAT,
        version=ARCHIVE_VERSION,
        exported_at=now.isoformat(timespec="seconds"),
        account=ArchiveAccount(
            username=user.username,
            display_name=user.display_name,
            timezone=user.timezone,
            baseline_date=user.baseline_date,
            clinic_phone=user.clinic_phone,
            patient_reference=user.patient_reference,
        ),
        entries=await records.between(db, ENTRY, user, None, None, ALL),
        treatments=await records.between(db, TREATMENT, user, None, None, ALL),
        assessments=await records.between(db, ASSESSMENT, user, None, None, ALL),
    )


def profile_changes(user: User, account: ArchiveAccount) -> dict[str, Any]:
    """The profile fields to fill: only those still at their default in the importing account."""
    changes: dict[str, Any] = {}
    if not user.display_name and account.display_name:
        changes["display_name"] = account.display_name[:80]
    if user.timezone == "UTC" and account.timezone != "UTC":
        try:
            check_timezone(account.timezone)
        except ValidationException:
            raise field_error("account.timezone", "is not a known IANA time zone.") from None
        changes["timezone"] = account.timezone
    if user.baseline_date is None and account.baseline_date is not None:
        changes["baseline_date"] = account.baseline_date.isoformat()
    # The same check as PATCH /api/account: a bad number is a 400 naming the field.
    if not user.clinic_phone and account.clinic_phone:
        try:
            msgspec.convert({"clinic_phone": account.clinic_phone}, AccountPatch)
        except msgspec.ValidationError:
            raise field_error("account.clinic_phone", "is not a phone number.") from None
        changes["clinic_phone"] = account.clinic_phone.strip()
    if not user.patient_reference and account.patient_reference:
        changes["patient_reference"] = account.patient_reference.strip()[:40]
    return changes


_PUT_TYPES: Final[dict[str, type[msgspec.Struct]]] = {
    "entries": EntryPut,
    "treatments": TreatmentPut,
    "assessments": AssessmentPut,
}
_KINDS: Final[dict[str, records.Kind[Any]]] = {
    "entries": ENTRY,
    "treatments": TREATMENT,
    "assessments": ASSESSMENT,
}


def stage_archive(archive: Archive, user: User, now: datetime) -> list[Staged]:
    """Every record of the archive, validated as its PUT would be. Raises on the first bad one."""
    staged = []
    for section, put_type in _PUT_TYPES.items():
        names = [f.name for f in msgspec.structs.fields(put_type) if f.name != "base_version"]
        for index, record in enumerate(getattr(archive, section)):
            where = f"{section}[{index}]"
            try:
                record_id = str(UUID(record.id))
            except ValueError:
                raise field_error(f"{where}.id", "must be a UUID.") from None
            body = put_type(**{name: getattr(record, name) for name in names})
            try:
                staged.append(stage(_KINDS[section], body, record_id, user, now))
            except ValidationException as exc:
                extra = exc.extra[0] if isinstance(exc.extra, list) and exc.extra else {}
                key, message = extra.get("key", "record"), extra.get("message", exc.detail)
                raise field_error(f"{where}.{key}", message) from None
            except ValueError as exc:  # scoring refuses what the Struct could not express
                raise field_error(where, str(exc)) from None
    return staged


# --- Daylio -------------------------------------------------------------------------------------


class LineError(msgspec.Struct):
    line: int
    field: str
    message: str


def _daylio_time(text: str) -> time:
    text = text.strip()
    match = _TIME_12H.match(text)
    if match:
        hour, minute, half = int(match[1]), int(match[2]), match[3].lower()
        if not 1 <= hour <= 12:
            raise ValueError
        return time((hour % 12) + (12 if half == "p" else 0), minute)
    match = _TIME_24H.match(text)
    if match is None:
        raise ValueError
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def daylio_row(row: dict[str, str], user: User) -> tuple[str, EntryPut]:
    """One Daylio row as an entry id and body; raises ``_RowError`` naming the bad field."""
    try:
        day = date.fromisoformat(row["full_date"].strip())
    except ValueError:
        raise _RowError("full_date", "must be a date like 2024-05-31.") from None
    try:
        at = _daylio_time(row["time"])
    except ValueError:
        raise _RowError("time", "must be a time like 21:30 or 9:30 PM.") from None
    label = row["mood"].strip().lower()
    if label not in DAYLIO_MOODS:
        known = ", ".join(DAYLIO_MOODS)
        raise _RowError("mood", f"is not one of Daylio's default moods ({known}).")
    tags = list(dict.fromkeys(t.strip() for t in (row.get("activities") or "").split("|")))
    tags = [tag for tag in tags if tag]
    if len(tags) > 20:
        raise _RowError("activities", "has more than 20 activities.")
    if any(len(tag) > 40 for tag in tags):
        raise _RowError("activities", "an activity is longer than 40 characters.")
    title, text = (row.get("note_title") or "").strip(), (row.get("note") or "").strip()
    note = "\n\n".join(part for part in (title, text) if part)
    if len(note) > 10_000:
        raise _RowError("note", "is longer than 10,000 characters.")
    body = EntryPut(day=day, time=at, mood=DAYLIO_MOODS[label], tags=tags, note=note)
    # The username (not the server-local user id), so the ids survive a move to another server.
    activities = "|".join(tags)
    key = f"{user.username.lower()}|{day.isoformat()}|{at.isoformat()}|{label}|{activities}|{note}"
    return str(uuid5(DAYLIO_NAMESPACE, key)), body


ARCHIVE_MAX_BYTES = 64 * 1024 * 1024


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def stage_daylio(text: str, user: User, now: datetime) -> tuple[list[Staged], list[LineError]]:
    """Every row of a Daylio CSV, validated; the errors carry the row's first line number."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in DAYLIO_REQUIRED if name not in header]
    if missing:
        message = f"is missing the column(s) {', '.join(missing)}; is this a Daylio export?"
        return [], [LineError(1, "header", message)]
    staged: list[Staged] = []
    errors: list[LineError] = []
    line = reader.line_num + 1
    for cells in reader:
        first_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        try:
            if len(cells) < len(header):
                raise _RowError("row", f"has {len(cells)} columns; the header has {len(header)}.")
            record_id, body = daylio_row(row, user)
            staged.append(stage(ENTRY, body, record_id, user, now))
        except _RowError as exc:
            errors.append(LineError(first_line, exc.field, exc.message))
        except ValidationException as exc:
            extra = exc.extra[0] if isinstance(exc.extra, list) and exc.extra else {}
            errors.append(LineError(first_line, extra.get("key", "row"), extra.get("message", "")))
    return staged, errors


# --- routes -------------------------------------------------------------------------------------


class PortabilityController(Controller):
    """The account's archive out and in, and Daylio's CSV in. Owner only."""

    path = "/api"
    tags = ("exports",)

    @get("/export/archive", summary="Everything in the account as one JSON archive")
    async def export_archive(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> Response[Archive]:
        now = services.clock()
        name = f"waypoint-archive-{user.username}-{now.date().isoformat()}.json"
        return Response(
            await build_archive(services.db, user, now),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # Years of notes outgrow the general body limit; an archive may be this large.
    @post(
        "/import/archive",
        status_code=200,
        summary="Import an archive (never overwrites)",
        request_max_body_size=ARCHIVE_MAX_BYTES,
    )
    async def import_archive(
        self,
        data: JSONBody[Archive],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> ImportResult:
        now = services.clock()
        profile = profile_changes(user, data.account)
        effective = msgspec.structs.replace(
            user,
            timezone=profile.get("timezone", user.timezone),
            baseline_date=data.account.baseline_date
            if "baseline_date" in profile
            else user.baseline_date,
        )
        staged = stage_archive(data, effective, now)
        stamp = now.isoformat(timespec="milliseconds")
        result = await services.db.write(_store, user.id, staged, profile, stamp)
        services.session_cache.forget_user(user.id)  # the profile may have changed
        return result

    @post(
        "/import/daylio",
        status_code=200,
        summary="Import a Daylio CSV export (all rows or none)",
        description="The body is the CSV file exactly as Daylio exports it (Content-Type: "
        "text/csv). A bad row gets 400 with its line, field and message; nothing is imported.",
    )
    async def import_daylio(
        self,
        body: RawBody,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> ImportResult:
        now = services.clock()
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise field_error("body", "must be a UTF-8 CSV file (Daylio's export).") from None
        if not text.strip():
            raise field_error("body", "is empty; send the CSV file Daylio exported.")
        staged, errors = stage_daylio(text, user, now)
        if errors:
            raise ValidationException(
                detail=f"{len(errors)} row(s) of the Daylio file are invalid; none was imported.",
                extra=[msgspec.to_builtins(e) for e in errors[:MAX_REPORTED]],
            )
        stamp = now.isoformat(timespec="milliseconds")
        return await services.db.write(_store, user.id, staged, {}, stamp)
