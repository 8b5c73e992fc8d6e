"""What trends read from the records table: the numbers of many records at once, never the
private fields (they stay sealed: a year of trends decrypts nothing). With ``store/records.py``,
the only module that reads the ``records`` table; it never writes it.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from api.domain.trends import AssessmentPoint, EntryPoint, TreatmentPoint, baseline_anchor
from api.domain.trends.shapes import BASELINE_WINDOW_DAYS, HISTORY_DAYS, ROLLING_WINDOW_DAYS
from api.store.db import is_postgres
from api.store.records import json_array


class TrendInputs(NamedTuple):
    entries: list[EntryPoint]
    treatments: list[TreatmentPoint]
    assessments: list[AssessmentPoint]
    flagged_entry_days: list[date]
    first_checkin: date | None


def data_mark(conn: sqlite3.Connection, user_id: int) -> int:
    """The user's latest change number: any write to their records moves it."""
    row = conn.execute("SELECT MAX(seq) FROM records WHERE user_id = ?", (user_id,)).fetchone()
    return int(row[0] or 0)


def flagged_entry_days(conn: sqlite3.Connection, user_id: int, start: str, end: str) -> list[date]:
    """The days in start..end with a check-in at the lowest mood."""
    found = conn.execute(
        "SELECT DISTINCT day FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
        "AND flagged = 1 AND day BETWEEN ? AND ? ORDER BY day",
        (user_id, start, end),
    ).fetchall()
    return [date.fromisoformat(day) for (day,) in found]


class _Treatment(msgspec.Struct):
    at: datetime
    kind: str
    status: str
    dose_mg: float | None = None


class _Assessment(msgspec.Struct):
    instrument: str
    taken_at: datetime
    # Stored assessments omit default values: a total of 0 (and its band) may be absent.
    total: int = 0
    band: str = "minimal"


_entries = msgspec.json.Decoder(list[EntryPoint])
_treatment = msgspec.json.Decoder(_Treatment)
_assessment = msgspec.json.Decoder(_Assessment)
BASELINE_SPAN = timedelta(days=BASELINE_WINDOW_DAYS)


def entries_between(
    conn: sqlite3.Connection, user_id: int, first: date, last: date
) -> list[EntryPoint]:
    """The plain part of the check-ins of first..last, decoded in one call."""
    (array,) = conn.execute(
        json_array(
            conn,
            "SELECT day, data FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
            "AND day BETWEEN ? AND ?",
        ),
        (user_id, first.isoformat(), last.isoformat()),
    ).fetchone()
    return _entries.decode(array)


def trend_inputs(
    conn: sqlite3.Connection,
    user_id: int,
    start: date,
    end: date,
    tz: ZoneInfo,
    baseline: date | None,
) -> TrendInputs:
    """Everything the trends of start..end need, and no more: the treatments (a year past the end
    for the next planned ones), the assessments, the entries of the period with the days its
    first 7-day means need, the 14 days before the baseline anchor, and the flagged days."""
    treatments = []
    for record_id, data in conn.execute(
        "SELECT id, data FROM records WHERE user_id = ? AND kind = 'treatment' AND deleted = 0 "
        "AND day <= ? ORDER BY day",
        (user_id, (end + timedelta(days=366)).isoformat()),
    ):
        t = _treatment.decode(data)
        treatments.append(
            TreatmentPoint(id=record_id, at=t.at, kind=t.kind, status=t.status, dose_mg=t.dose_mg)
        )
    assessments = []
    for record_id, flagged, data in conn.execute(
        "SELECT id, flagged, data FROM records WHERE user_id = ? AND kind = 'assessment' "
        "AND deleted = 0 AND day <= ? ORDER BY day",
        (user_id, end.isoformat()),
    ):
        a = _assessment.decode(data)
        assessments.append(
            AssessmentPoint(
                id=record_id,
                instrument=a.instrument,
                taken_at=a.taken_at,
                total=a.total,
                band=a.band,
                flagged=bool(flagged),
            )
        )
    # The period with the days its first 7-day means need, and, when the baseline anchor lies
    # before that, everything from 14 days before the anchor: "was an improvement ever reached
    # since the baseline" needs the whole stretch.
    first = start - timedelta(days=HISTORY_DAYS)
    anchor, _ = baseline_anchor(treatments, tz=tz, baseline_date=baseline)
    if anchor is not None and anchor <= end:
        first = min(first, anchor - BASELINE_SPAN)
    entries = entries_between(conn, user_id, first, end)
    flagged_days = flagged_entry_days(conn, user_id, start.isoformat(), end.isoformat())
    (first_checkin,) = conn.execute(
        "SELECT MIN(day) FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0",
        (user_id,),
    ).fetchone()
    first_day = None if first_checkin is None else date.fromisoformat(first_checkin)
    return TrendInputs(entries, treatments, assessments, flagged_days, first_day)


def checkin_window(
    conn: sqlite3.Connection, user_id: int, day: date, tz: ZoneInfo, baseline: date | None
) -> tuple[list[float | None], date | None, list[float]]:
    """The daily mean moods of the 7 days ending on ``day``, the baseline date, and the daily
    means of the 14 days before it: what a check-in's mood prompts need, in two small reads."""
    treatments = [
        TreatmentPoint(id="", at=t.at, kind=t.kind, status=t.status)
        for (data,) in conn.execute(
            "SELECT data FROM records WHERE user_id = ? AND kind = 'treatment' AND deleted = 0 "
            "AND day <= ?",
            (user_id, day.isoformat()),
        )
        for t in (_treatment.decode(data),)
    ]
    anchor, _ = baseline_anchor(treatments, tz=tz, baseline_date=baseline)
    first = day - timedelta(days=ROLLING_WINDOW_DAYS - 1)
    ranges = [(first, day)]
    if anchor is not None and anchor <= day:
        ranges.append((anchor - BASELINE_SPAN, anchor - timedelta(days=1)))
    moods: dict[date, list[int]] = {}
    for low, high in ranges:
        for entry in entries_between(conn, user_id, low, high):
            moods.setdefault(entry.day, []).append(entry.mood)

    def mean_of(each: date) -> float | None:
        found = moods.get(each)
        return None if not found else sum(found) / len(found)

    week = [mean_of(first + timedelta(days=n)) for n in range(ROLLING_WINDOW_DAYS)]
    before: list[float] = []
    if anchor is not None and anchor <= day:
        for n in range(BASELINE_WINDOW_DAYS):
            value = mean_of(anchor - BASELINE_SPAN + timedelta(days=n))
            if value is not None:
                before.append(value)
    return week, anchor, before


def marked_trend_inputs(
    conn: sqlite3.Connection,
    user_id: int,
    start: date,
    end: date,
    tz: ZoneInfo,
    baseline: date | None,
) -> tuple[int, TrendInputs]:
    """The user's data version and the trend inputs, read in ONE snapshot, so a result is never
    cached under a version it does not match, whichever process wrote in between."""
    if is_postgres(conn):  # the engine already runs each read in one REPEATABLE READ snapshot
        return data_mark(conn, user_id), trend_inputs(conn, user_id, start, end, tz, baseline)
    conn.execute("BEGIN")
    try:
        return data_mark(conn, user_id), trend_inputs(conn, user_id, start, end, tz, baseline)
    finally:
        conn.execute("COMMIT")
