"""Trend maths behind GET /api/trends: the daily series, its 7-day average and the summary.

Pure: the storage layer builds the input Structs and the route encodes the output; nothing here
does I/O, so the maths is tested without HTTP.

Speed matters (a year of trends must answer thousands of times a second, ten years in a few
milliseconds), so every day is addressed by its offset from one ordinal day, entries are read
once, the 7-day average is a running sum, and no loop rescans a window.

Days are calendar days. An entry already carries its own `day`; a treatment or assessment carries
an aware datetime whose calendar day is taken in the user's time zone, so a 01:30 infusion in New
York is on the New York date even though it is the previous evening in UTC.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from api.domain import instruments
from api.domain.trends import rules, words
from api.domain.trends.shapes import (
    BASELINE_MIN_DAYS,
    BASELINE_WINDOW_DAYS,
    HISTORY_DAYS,
    PLATEAU_RULE,
    ROLLING_MIN_DAYS,
    ROLLING_WINDOW_DAYS,
    AssessmentMarker,
    AssessmentPoint,
    BaselineQuality,
    BaselineSource,
    DayPoint,
    EntryPoint,
    Lift,
    Marker,
    Prompt,
    Summary,
    TreatmentPoint,
    Trends,
)

__all__ = [
    "PLATEAU_RULE",
    "AssessmentMarker",
    "AssessmentPoint",
    "DayPoint",
    "EntryPoint",
    "Lift",
    "Marker",
    "Prompt",
    "Summary",
    "TreatmentPoint",
    "Trends",
    "baseline_anchor",
    "compute_trends",
    "local_day",
]


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day of an aware moment in the user's zone (DST-safe: tz does the maths)."""
    if moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone")
    return moment.astimezone(tz).date()


def baseline_anchor(
    treatments: Iterable[TreatmentPoint], *, tz: ZoneInfo, baseline_date: date | None = None
) -> tuple[date | None, BaselineSource | None]:
    """The baseline date and where it came from: the user's choice, else the first done treatment.

    Planned and cancelled treatments never anchor a baseline: nothing has happened yet.
    """
    if baseline_date is not None:
        return baseline_date, "user"
    done = [each.at for each in treatments if each.status == "done"]
    if not done:
        return None, None
    return local_day(min(done), tz), "first_treatment"


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _day_with_several(day: date, group: Sequence[EntryPoint], mood_7d: float | None) -> DayPoint:
    """A day with several check-ins: each value is the mean over the check-ins that gave it."""
    anxiety = [each.anxiety for each in group if each.anxiety is not None]
    energy = [each.energy for each in group if each.energy is not None]
    sleep = [each.sleep_hours for each in group if each.sleep_hours is not None]
    return DayPoint(
        day,
        _rounded(_mean([each.mood for each in group])),
        _rounded(_mean(anxiety)),
        _rounded(_mean(energy)),
        _rounded(_mean(sleep)),
        len(group),
        mood_7d,
    )


class _Series(msgspec.Struct, frozen=True):
    """Per-day lists indexed from one ordinal day (index 0 = `first_ordinal`)."""

    first_ordinal: int
    logged: list[bool]  # the day has at least one check-in
    daily_mood: list[float | None]  # unrounded mean mood of the day
    mood_7d: list[float | None]  # rounded trailing 7-day mean of daily_mood
    days: list[DayPoint]  # the output points, from index `offset` on


def _series(  # noqa: C901 - the hot loop, inlined on purpose (see the docstring)
    entries: Iterable[EntryPoint], first_ordinal: int, size: int, offset: int
) -> _Series:
    """Index entries by day, average each day, and run the 7-day mean, in one pass over days.

    This is the hot loop (one step per day, ten years = 3,650 steps), hence the inlined running
    sum and the memo of `round`, which costs more than everything else in a step. Most days
    have one check-in, so only a day's second and later check-ins go through a dict.
    """
    single: list[EntryPoint | None] = [None] * size
    extra: dict[int, list[EntryPoint]] = {}
    for entry in entries:
        index = entry.day.toordinal() - first_ordinal
        if 0 <= index < size:
            if single[index] is None:
                single[index] = entry
            else:
                extra.setdefault(index, []).append(entry)
    daily_mood: list[float | None] = [None] * size
    mood_7d: list[float | None] = [None] * size
    days: list[DayPoint] = []
    rounded: dict[float, float] = {}  # memo of round(value, 2): few distinct values recur
    total, count = 0.0, 0
    for index, first in enumerate(single):
        later = None
        if first is not None:
            later = extra.get(index) if extra else None
            if later is None:
                mood: float = first.mood
            else:
                mood = (first.mood + sum(each.mood for each in later)) / (len(later) + 1)
            daily_mood[index] = mood
            total += mood
            count += 1
        if index >= ROLLING_WINDOW_DAYS:
            dropped = daily_mood[index - ROLLING_WINDOW_DAYS]
            if dropped is not None:
                total -= dropped
                count -= 1
                if not count:
                    total = 0.0  # forget floating-point residue across a gap
        average = None
        if count >= ROLLING_MIN_DAYS:
            mean = total / count
            average = rounded.get(mean)
            if average is None:
                average = rounded[mean] = round(mean, 2)
            mood_7d[index] = average
        if index < offset:
            continue
        if first is None:
            days.append(
                DayPoint(
                    date.fromordinal(first_ordinal + index), None, None, None, None, 0, average
                )
            )
        elif later is None:
            sleep = first.sleep_hours
            if sleep is not None:
                sleep_rounded = rounded.get(sleep)
                if sleep_rounded is None:
                    sleep_rounded = rounded[sleep] = round(sleep, 2)
                sleep = sleep_rounded
            days.append(
                DayPoint(first.day, first.mood, first.anxiety, first.energy, sleep, 1, average)
            )
        else:
            days.append(_day_with_several(first.day, [first, *later], average))
    logged = [entry is not None for entry in single]
    return _Series(first_ordinal, logged, daily_mood, mood_7d, days)


def _baseline_mood(
    daily_mood: Sequence[float | None], first_ordinal: int, anchor: date
) -> tuple[float | None, int]:
    """Mean of daily mean moods over the 14 days before `anchor`, and how many days had data.
    The series always starts at least 14 days before an anchor inside the period."""
    window_first = anchor.toordinal() - BASELINE_WINDOW_DAYS - first_ordinal
    window = daily_mood[window_first : window_first + BASELINE_WINDOW_DAYS]
    means = [value for value in window if value is not None]
    return _rounded(_mean(means)), len(means)


def _treatment_markers(
    treatments: Iterable[TreatmentPoint], tz: ZoneInfo, start: date, end: date
) -> tuple[list[Marker], list[int]]:
    """The period's treatment markers, and the sorted ordinal days of ALL done treatments."""
    markers: list[Marker] = []
    done_days: list[int] = []
    for each in sorted(treatments, key=lambda treatment: treatment.at):
        day = local_day(each.at, tz)
        if each.status == "done":
            done_days.append(day.toordinal())
        if start <= day <= end:
            markers.append(Marker(each.id, each.at, day, each.kind, each.status, each.dose_mg))
    return markers, done_days


def _assessment_markers(
    assessments: Iterable[AssessmentPoint], tz: ZoneInfo, start: date, end: date
) -> tuple[list[AssessmentMarker], dict[str, list[tuple[date, int]]]]:
    """The period's assessment markers, and every score up to `end` as (day, total) per
    instrument, oldest first."""
    markers: list[AssessmentMarker] = []
    history: dict[str, list[tuple[date, int]]] = {"phq9": [], "gad7": []}
    for each in sorted(assessments, key=lambda assessment: assessment.taken_at):
        day = local_day(each.taken_at, tz)
        if day > end:
            continue
        history.setdefault(each.instrument, []).append((day, each.total))
        if day >= start:
            markers.append(
                AssessmentMarker(
                    each.id,
                    each.instrument,
                    each.taken_at,
                    day,
                    each.total,
                    each.band,
                    each.flagged,
                )
            )
    return markers, history


def compute_trends(
    entries: Sequence[EntryPoint],
    treatments: Sequence[TreatmentPoint],
    assessments: Sequence[AssessmentPoint],
    *,
    start: date,
    end: date,
    tz: ZoneInfo,
    today: date,
    baseline_date: date | None = None,
    flagged_entry_days: Iterable[date] = (),
    first_checkin: date | None = None,
    clinic_phone: str = "",
) -> Trends:
    """Build the trends for start..end from entries, treatments and assessments.

    Inputs may (and should) reach back before `start`: to the 7-day means
    at the start of the period and to 14 days before the baseline date, so that the baseline
    and "was an improvement ever reached" are right. Nothing after `end` is ever used.
    `flagged_entry_days` are the days whose check-in raised a crisis flag; `first_checkin` is
    the user's first check-in day ever (None: the first one in `entries`); `clinic_phone` goes
    into the care-team prompts.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    anchor, source = baseline_anchor(treatments, tz=tz, baseline_date=baseline_date)
    if anchor is not None and anchor > end:
        anchor = source = None  # a baseline after the period says nothing about it
    first_ordinal = start.toordinal() - HISTORY_DAYS  # index 0 of every per-day list
    if anchor is not None:
        first_ordinal = min(first_ordinal, anchor.toordinal() - BASELINE_WINDOW_DAYS)
    offset = start.toordinal() - first_ordinal  # the index of `start`
    size = end.toordinal() - first_ordinal + 1
    series = _series(entries, first_ordinal, size, offset)
    days, mood_7d = series.days, series.mood_7d
    treatment_markers, done_days = _treatment_markers(treatments, tz, start, end)
    assessment_markers, history = _assessment_markers(assessments, tz, start, end)
    phq9_history = history["phq9"]

    anchor_index = None if anchor is None else anchor.toordinal() - first_ordinal
    baseline_mood, baseline_mood_days = None, 0
    quality: BaselineQuality = "none"
    baseline_phq9: tuple[date, int] | None = None
    if anchor is not None:
        baseline_mood, baseline_mood_days = _baseline_mood(series.daily_mood, first_ordinal, anchor)
        quality = "ok" if baseline_mood_days >= BASELINE_MIN_DAYS else "too_thin"
        earliest = anchor - timedelta(days=instruments.PHQ9_BASELINE_MAX_DAYS)
        earlier = [each for each in phq9_history if earliest <= each[0] <= anchor]
        baseline_phq9 = earlier[-1] if earlier else None
    usable_baseline = baseline_mood if quality == "ok" else None

    latest_index = next(
        (i for i in range(size - 1, offset - 1, -1) if mood_7d[i] is not None), None
    )
    latest_mood = None if latest_index is None else mood_7d[latest_index]
    latest_mood_day = None if latest_index is None else days[latest_index - offset].day
    latest_phq9 = phq9_history[-1] if phq9_history else None
    mood_change = None
    after_anchor = anchor is not None and latest_mood_day is not None and latest_mood_day > anchor
    if after_anchor and latest_mood is not None and usable_baseline is not None:
        mood_change = round(latest_mood - usable_baseline, 2)
    mood_status = rules.mood_status(latest_mood if after_anchor else None, usable_baseline)
    phq9_change = phq9_drop = status = change_text = None
    if latest_phq9 and baseline_phq9 and anchor is not None and latest_phq9[0] > anchor:
        phq9_change = latest_phq9[1] - baseline_phq9[1]
        drop = instruments.relative_drop(baseline_phq9[1], latest_phq9[1])
        phq9_drop = None if drop is None else round(drop, 3)
        status = instruments.phq9_change_status(
            baseline_phq9[1], [each for each in phq9_history if each[0] > anchor]
        )
        change_text = instruments.describe_phq9_change(baseline_phq9[1], latest_phq9[1])

    # "Last treatment" as of the period's end (or today): nothing after `end` is shown.
    as_of = min(end, today)
    past_done = done_days[: bisect_right(done_days, as_of.toordinal())]
    last_done = date.fromordinal(past_done[-1]) if past_done else None
    lifts = rules.lifts(
        treatment_markers,
        done_days,
        series.daily_mood,
        series.logged,
        first_ordinal,
        usable_baseline,
        as_of,
        last_day_is_today=as_of == today,
    )
    progress = None
    if usable_baseline is not None and anchor_index is not None and latest_index is not None:
        progress = rules.progress_state(
            mood_7d,
            series.logged,
            anchor_index=anchor_index,
            latest_index=latest_index,
            baseline=usable_baseline,
        )
    logged_days = [i for i in range(offset, size) if series.logged[i]]
    if first_checkin is not None and first_checkin > end:
        first_checkin = None  # history began after the period: nothing to count in it
    if first_checkin is None and logged_days:
        first_checkin = date.fromordinal(first_ordinal + logged_days[0])
    counted_from = start if first_checkin is None else max(start, first_checkin)
    days_in_period = max(0, (min(end, today) - counted_from).days + 1)
    if first_checkin is None:
        days_in_period = 0
    days_logged = sum(1 for i in logged_days if first_ordinal + i <= today.toordinal())
    crisis_flags = sum(marker.flagged for marker in assessment_markers)
    crisis_flags += len({day for day in flagged_entry_days if start <= day <= end})
    prompts = rules.period_prompts(
        history,
        start,
        baseline_phq9,
        latest_mood,
        mood_change,
        mood_status,
        clinic_phone,
        latest_mood_day=latest_mood_day,
        last_week=as_of - timedelta(days=ROLLING_WINDOW_DAYS - 1),
    )

    summary = Summary(
        baseline_date=anchor,
        baseline_source=source,
        baseline_mood=baseline_mood,
        baseline_mood_days=baseline_mood_days,
        baseline_phq9=None if baseline_phq9 is None else baseline_phq9[1],
        baseline_phq9_date=None if baseline_phq9 is None else baseline_phq9[0],
        latest_mood_7d=latest_mood,
        latest_mood_7d_date=latest_mood_day,
        latest_phq9=None if latest_phq9 is None else latest_phq9[1],
        latest_phq9_date=None if latest_phq9 is None else latest_phq9[0],
        mood_change=mood_change,
        phq9_change=phq9_change,
        phq9_relative_drop=phq9_drop,
        phq9_status=status,
        last_treatment_date=last_done,
        days_since_last_treatment=None if last_done is None else (as_of - last_done).days,
        lifts=lifts,
        plateau=progress == "plateau",
        plateau_rule=PLATEAU_RULE,
        adherence=round(days_logged / days_in_period, 3) if days_in_period else 0.0,
        days_logged=days_logged,
        days_in_period=days_in_period,
        crisis_flags=crisis_flags,
        baseline_quality=quality,
        baseline_text=words.baseline_text(quality, baseline_mood, baseline_mood_days),
        mood_status=mood_status,
        mood_status_text=(
            words.MOOD_NOT_ENOUGH if mood_status is None else words.MOOD_STATUS_WORDS[mood_status]
        ),
        phq9_change_text=change_text,
        phq9_status_text=words.phq9_status_text(
            status, None if baseline_phq9 is None else baseline_phq9[1]
        ),
        progress=progress,
        progress_text=None if progress is None else words.PROGRESS_WORDS[progress][0],
        progress_text_clinician=None if progress is None else words.PROGRESS_WORDS[progress][1],
        first_checkin_date=first_checkin,
        prompts=prompts,
    )
    return Trends(start, end, days, treatment_markers, assessment_markers, summary)
