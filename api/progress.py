"""GET /api/trends: reads a user's records and hands them to the pure maths in ``api.trends``."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from datetime import date, datetime, timedelta
from weakref import WeakKeyDictionary

import msgspec
from litestar import get
from litestar.di import NamedDependency

from api.db import Database
from api.errors import field_error
from api.records import EndDay, StartDay
from api.services import Services
from api.sessions import Clock, User, zone
from api.trends import (
    AssessmentPoint,
    EntryPoint,
    Prompt,
    TreatmentPoint,
    Trends,
    baseline_anchor,
    compute_trends,
    rules,
)
from api.trends.shapes import BASELINE_WINDOW_DAYS, HISTORY_DAYS, ROLLING_WINDOW_DAYS

DEFAULT_DAYS = 90
BASELINE_SPAN = timedelta(days=BASELINE_WINDOW_DAYS)
ENTRY_DAYS = "SELECT data, day FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0"
MAX_DAYS = 366 * 20
_entries = msgspec.json.Decoder(list[EntryPoint])


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


_treatment = msgspec.json.Decoder(_Treatment)
_assessment = msgspec.json.Decoder(_Assessment)


def _read(
    conn: sqlite3.Connection,
    user_id: int,
    start: date,
    end: date,
    tz_name: str,
    baseline: date | None,
) -> tuple[list[EntryPoint], list[TreatmentPoint], list[AssessmentPoint], list[date], date | None]:
    tz = zone(tz_name)
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
    # Entries for the period (with the days its first 7-day means need) and, when the baseline
    # anchor lies before that, everything from 14 days before the anchor: "was an improvement
    # ever reached since the baseline" needs the whole stretch.
    first = start - timedelta(days=HISTORY_DAYS)
    anchor, _ = baseline_anchor(treatments, tz=tz, baseline_date=baseline)
    if anchor is not None and anchor <= end:
        first = min(first, anchor - BASELINE_SPAN)
    (array,) = conn.execute(
        "SELECT '[' || COALESCE(group_concat(data, ','), '') || ']' FROM (SELECT data FROM "
        "records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
        "AND day BETWEEN ? AND ? ORDER BY day)",
        (user_id, first.isoformat(), end.isoformat()),
    ).fetchone()
    flagged_days = [
        date.fromisoformat(d)
        for (d,) in conn.execute(
            "SELECT day FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
            "AND flagged = 1 AND day BETWEEN ? AND ?",
            (user_id, start.isoformat(), end.isoformat()),
        )
    ]
    (first_checkin,) = conn.execute(
        "SELECT MIN(day) FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0",
        (user_id,),
    ).fetchone()
    first_day = None if first_checkin is None else date.fromisoformat(first_checkin)
    return _entries.decode(array), treatments, assessments, flagged_days, first_day


def period(user: User, start: date | None, end: date | None, clock: Clock) -> tuple[date, date]:
    """The requested days, defaulting to the last 90 days in the user's time zone."""
    today = clock().astimezone(user.tz).date()
    end = end or (today if start is None else max(today, start))
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise field_error("to", "must be on or after 'from'.", source="query")
    if (end - start).days > MAX_DAYS:
        raise field_error("from", "the period can cover at most 20 years.", source="query")
    return start, end


def _data_mark(conn: sqlite3.Connection, user_id: int) -> int:
    """The user's latest change number: any write to their records moves it."""
    row = conn.execute("SELECT MAX(seq) FROM records WHERE user_id = ?", (user_id,)).fetchone()
    return int(row[0] or 0)


# Trends are recomputed only when their inputs change: the key holds everything they depend on
# (the user's latest change number, time zone, baseline date, the period and today's date).
# One cache per open database (tests run many databases in one process).
_caches: WeakKeyDictionary[Database, OrderedDict[tuple[object, ...], Trends]] = WeakKeyDictionary()
CACHE_SIZE = 256


async def load_trends(db: Database, user: User, start: date, end: date, clock: Clock) -> Trends:
    today = clock().astimezone(user.tz).date()
    mark = await db.read(_data_mark, user.id)
    key = (user.id, mark, user.timezone, user.baseline_date, user.clinic_phone, start, end, today)
    recent = _caches.setdefault(db, OrderedDict())
    cached = recent.get(key)
    if cached is not None:
        recent.move_to_end(key)
        return cached
    entries, treatments, assessments, flagged, first_checkin = await db.read(
        _read, user.id, start, end, user.timezone, user.baseline_date
    )
    result = compute_trends(
        entries,
        treatments,
        assessments,
        start=start,
        end=end,
        tz=user.tz,
        today=today,
        baseline_date=user.baseline_date,
        flagged_entry_days=flagged,
        first_checkin=first_checkin,
        clinic_phone=user.clinic_phone,
    )
    recent[key] = result
    if len(recent) > CACHE_SIZE:
        recent.popitem(last=False)
    return result


@get("/api/trends", tags=["trends"], summary="Daily series, treatment markers, scores, summary")
async def trends(
    user: NamedDependency[User],
    services: NamedDependency[Services],
    start: StartDay = None,
    end: EndDay = None,
) -> Trends:
    first, last = period(user, start, end, services.clock)
    return await load_trends(services.db, user, first, last, services.clock)


def _checkin_window(
    conn: sqlite3.Connection, user_id: int, day: date, tz_name: str, baseline: date | None
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
    anchor, _ = baseline_anchor(treatments, tz=zone(tz_name), baseline_date=baseline)
    first = day - timedelta(days=ROLLING_WINDOW_DAYS - 1)
    ranges = [(first, day)]
    if anchor is not None and anchor <= day:
        ranges.append((anchor - BASELINE_SPAN, anchor - timedelta(days=1)))
    moods: dict[date, list[int]] = {}
    for low, high in ranges:
        (array,) = conn.execute(
            "SELECT '[' || COALESCE(group_concat(data, ','), '') || ']' FROM (SELECT data FROM "
            "records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
            "AND day BETWEEN ? AND ?)",
            (user_id, low.isoformat(), high.isoformat()),
        ).fetchone()
        for entry in _entries.decode(array):
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


async def checkin_prompts(db: Database, user: User, day: date) -> list[Prompt]:
    """The mood prompts a check-in on ``day`` makes appear (the same rules as the trends)."""
    week, anchor, before = await db.read(
        _checkin_window, user.id, day, user.timezone, user.baseline_date
    )
    baseline = round(sum(before) / len(before), 2) if before else None
    return rules.checkin_prompts(
        week,
        after_baseline=anchor is not None and day > anchor,
        baseline=baseline,
        baseline_days=len(before),
        clinic_phone=user.clinic_phone,
    )
