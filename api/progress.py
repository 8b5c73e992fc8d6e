"""GET /api/trends: reads a user's records and hands them to the pure maths in ``api.trends``."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import msgspec
from litestar import get
from litestar.di import NamedDependency

from api.db import Database
from api.errors import field_error
from api.records import EndDay, StartDay
from api.sessions import Clock, User, zone
from api.trends import (
    AssessmentPoint,
    EntryPoint,
    TreatmentPoint,
    Trends,
    compute_trends,
    history_start,
)

DEFAULT_DAYS = 90
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
    total: int
    band: str


def _read(
    conn: sqlite3.Connection,
    user_id: int,
    start: date,
    end: date,
    tz_name: str,
    baseline: date | None,
) -> tuple[list[EntryPoint], list[TreatmentPoint], list[AssessmentPoint], list[date]]:
    tz = zone(tz_name)
    treatments = []
    for record_id, data in conn.execute(
        "SELECT id, data FROM records WHERE user_id = ? AND kind = 'treatment' AND deleted = 0 "
        "AND day <= ? ORDER BY day",
        (user_id, (end + timedelta(days=366)).isoformat()),
    ):
        t = msgspec.json.decode(data, type=_Treatment)
        treatments.append(
            TreatmentPoint(id=record_id, at=t.at, kind=t.kind, status=t.status, dose_mg=t.dose_mg)
        )
    assessments = []
    for record_id, flagged, data in conn.execute(
        "SELECT id, flagged, data FROM records WHERE user_id = ? AND kind = 'assessment' "
        "AND deleted = 0 AND day <= ? ORDER BY day",
        (user_id, end.isoformat()),
    ):
        a = msgspec.json.decode(data, type=_Assessment)
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
    first = history_start(start, treatments, tz=tz, baseline_date=baseline)
    (array,) = conn.execute(
        "SELECT '[' || COALESCE(group_concat(data, ','), '') || ']' FROM (SELECT data FROM "
        "records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 AND day BETWEEN ? AND ? "
        "ORDER BY day)",
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
    return _entries.decode(array), treatments, assessments, flagged_days


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


async def load_trends(db: Database, user: User, start: date, end: date, clock: Clock) -> Trends:
    entries, treatments, assessments, flagged = await db.read(
        _read, user.id, start, end, user.timezone, user.baseline_date
    )
    return compute_trends(
        entries,
        treatments,
        assessments,
        start=start,
        end=end,
        tz=user.tz,
        today=clock().astimezone(user.tz).date(),
        baseline_date=user.baseline_date,
        flagged_entry_days=flagged,
    )


@get("/api/trends", tags=["trends"], summary="Daily series, treatment markers, scores, summary")
async def trends(
    user: NamedDependency[User],
    db: NamedDependency[Database],
    clock: NamedDependency[Clock],
    start: StartDay = None,
    end: EndDay = None,
) -> Trends:
    first, last = period(user, start, end, clock)
    return await load_trends(db, user, first, last, clock)
