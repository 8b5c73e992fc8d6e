"""GET /api/trends: the user's records, read by the store, through the pure maths in
``api.domain.trends``; results are cached until the user's data changes."""

from __future__ import annotations

from datetime import date, timedelta

from litestar import get
from litestar.di import NamedDependency

from api.domain.accounts import User
from api.domain.dates import check_day
from api.domain.errors import InvalidField
from api.domain.trends import Prompt, Trends, compute_trends, rules
from api.routes.params import EndDay, StartDay
from api.state import AppState, Clock
from api.store import trend_reads

DEFAULT_DAYS = 90
MAX_DAYS = 366 * 20


def period(user: User, start: date | None, end: date | None, clock: Clock) -> tuple[date, date]:
    """The requested days, defaulting to the last 90 days in the user's time zone."""
    check_day("from", start, source="query")
    check_day("to", end, source="query")
    today = clock().astimezone(user.tz).date()
    end = end or (today if start is None else max(today, start))
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidField("to", "must be on or after 'from'.", source="query")
    if (end - start).days > MAX_DAYS:
        raise InvalidField("from", "the period can cover at most 20 years.", source="query")
    return start, end


async def load_trends(app_state: AppState, user: User, start: date, end: date) -> Trends:
    """The trends of start..end, from the cache when the user's data has not changed since."""
    db = app_state.db
    today = app_state.clock().astimezone(user.tz).date()
    mark = await db.read(trend_reads.data_mark, user.id)
    key = (user.id, mark, user.timezone, user.baseline_date, user.clinic_phone, start, end, today)
    cached = app_state.trends_cache.get(key)
    if cached is not None:
        return cached
    mark, inputs = await db.read(
        trend_reads.marked_trend_inputs, user.id, start, end, user.tz, user.baseline_date
    )
    key = (user.id, mark, user.timezone, user.baseline_date, user.clinic_phone, start, end, today)
    result = compute_trends(
        inputs.entries,
        inputs.treatments,
        inputs.assessments,
        start=start,
        end=end,
        tz=user.tz,
        today=today,
        baseline_date=user.baseline_date,
        flagged_entry_days=inputs.flagged_entry_days,
        first_checkin=inputs.first_checkin,
        clinic_phone=user.clinic_phone,
    )
    app_state.trends_cache.put(key, result)
    return result


@get("/api/trends", tags=["trends"], summary="Daily series, treatment markers, scores, summary")
async def trends(
    user: NamedDependency[User],
    app_state: NamedDependency[AppState],
    start: StartDay = None,
    end: EndDay = None,
) -> Trends:
    first, last = period(user, start, end, app_state.clock)
    return await load_trends(app_state, user, first, last)


async def checkin_prompts(app_state: AppState, user: User, day: date) -> list[Prompt]:
    """The mood prompts a check-in on ``day`` makes appear (the same rules as the trends)."""
    week, anchor, before = await app_state.db.read(
        trend_reads.checkin_window, user.id, day, user.tz, user.baseline_date
    )
    baseline = round(sum(before) / len(before), 2) if before else None
    return rules.checkin_prompts(
        week,
        after_baseline=anchor is not None and day > anchor,
        baseline=baseline,
        baseline_days=len(before),
        clinic_phone=user.clinic_phone,
    )
