"""Daylio's CSV export, read as Waypoint check-ins.

``POST /api/import/daylio`` takes, the CSV body of Daylio's "Export entries"): columns
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
from datetime import date, datetime, time
from typing import Final
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import msgspec

from api.domain.archive import Staged, stage
from api.domain.errors import InvalidField
from api.domain.kinds import ENTRY, EntryPut

DAYLIO_MOODS: Final = {"rad": 9, "good": 7, "meh": 5, "bad": 3, "awful": 1}
DAYLIO_REQUIRED: Final = ("full_date", "time", "mood")
#: Namespace of Daylio entry ids (a fixed random UUID; never change it, or re-imports duplicate).
DAYLIO_NAMESPACE: Final = UUID("0d6c5f0a-7f3e-4b43-a1a4-3a5e8c7b2f61")
_TIME_12H = re.compile(r"^(\d{1,2}):(\d{2})\s*([AaPp])\.?\s*[Mm]\.?$")
#: The entry field a Daylio column becomes, for naming the column in an error.
DAYLIO_FIELDS: Final = {"tags": "activities", "note": "note", "day": "full_date", "time": "time"}
_TIME_24H = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


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


def daylio_row(row: dict[str, str], username: str) -> tuple[str, EntryPut]:
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
    title, text = (row.get("note_title") or "").strip(), (row.get("note") or "").strip()
    note = "\n\n".join(part for part in (title, text) if part)
    fields = {"day": day, "time": at, "mood": DAYLIO_MOODS[label], "tags": tags, "note": note}
    try:
        body = ENTRY.validate(fields)  # the entry's own constraints, the only copy of the limits
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        name = where.split("`")[0].split("[")[0] or "row"
        raise _RowError(DAYLIO_FIELDS.get(name, name), message + ".") from None
    # The username (not the server-local user id), so the ids survive a move to another server.
    activities = "|".join(tags)
    key = f"{username.lower()}|{day.isoformat()}|{at.isoformat()}|{label}|{activities}|{note}"
    return str(uuid5(DAYLIO_NAMESPACE, key)), body


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def stage_daylio(
    text: str, username: str, tz: ZoneInfo, now: datetime
) -> tuple[list[Staged], list[LineError]]:
    """Every row of a Daylio CSV, validated; the errors carry the row's first line number.

    A file the csv module cannot read (a cell over its size limit, a NUL byte) stops at that
    line with an error for it, since nothing after it can be trusted.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        return [], [LineError(1, "header", f"could not be read as CSV ({exc}).")]
    missing = [name for name in DAYLIO_REQUIRED if name not in header]
    if missing:
        message = f"is missing the column(s) {', '.join(missing)}; is this a Daylio export?"
        return [], [LineError(1, "header", message)]
    staged: list[Staged] = []
    errors: list[LineError] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(LineError(line, "row", f"could not be read as CSV ({exc})."))
            break
        first_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        try:
            staged.append(_stage_row(header, cells, username, tz, now))
        except (_RowError, InvalidField) as exc:
            errors.append(LineError(first_line, exc.field, exc.message))
    return staged, errors


def _stage_row(
    header: list[str], cells: list[str], username: str, tz: ZoneInfo, now: datetime
) -> Staged:
    if len(cells) < len(header):
        raise _RowError("row", f"has {len(cells)} columns; the header has {len(header)}.")
    record_id, body = daylio_row(dict(zip(header, cells, strict=False)), username)
    return stage(ENTRY, body, record_id, tz, now)
