"""The interpretation rules on top of the daily series: lift, plateau, mood status, prompts.

Pure functions over per-day lists indexed from one ordinal day (index 0 = the first day of the
series). Every threshold comes from `api.trends.shapes` or `api.instruments`, and every rule is
written out in the README's trends section. Comparisons use values rounded to 2 decimals, the
same numbers the API and the report show, so a reader can check an edge case by hand.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date

from api.domain import instruments
from api.domain.trends import words
from api.domain.trends.shapes import (
    BASELINE_MIN_DAYS,
    IMPROVEMENT_POINTS,
    LIFT_LOW_RUN,
    LIFT_MAX_GAP_DAYS,
    MOOD_PROMPT_AT,
    MOOD_STATUS_POINTS,
    PLATEAU_MAX_CHANGE,
    PLATEAU_MIN_DAYS_LOGGED,
    PLATEAU_WINDOW_DAYS,
    ROLLING_MIN_DAYS,
    Lift,
    Marker,
    MoodStatus,
    ProgressState,
    Prompt,
)

GAP_REASON = (
    f"not enough check-ins: more than {LIFT_MAX_GAP_DAYS} days in a row without one after "
    "this treatment"
)


def _lift_stop(last_index: int, next_treatment_index: int | None) -> tuple[int, bool]:
    """The last day a lift may be counted on, and whether that is the next treatment's eve."""
    if next_treatment_index is not None and next_treatment_index - 1 <= last_index:
        return next_treatment_index - 1, True
    return last_index, False


def measure_lift(
    treatment_id: str,
    day: date,
    day_index: int,
    daily_mood: Sequence[float | None],
    baseline: float,
    *,
    last_index: int,
    next_treatment_index: int | None,
) -> Lift:
    """One done treatment's lift on daily means (the rule is in `Lift`'s docstring).

    ``last_index`` is the last day that can have data (the period's end, or yesterday when
    today has no check-in yet); ``next_treatment_index`` the day of the next done treatment.
    """

    def unmeasured(reason: str) -> Lift:
        return Lift(treatment_id, day, None, False, False, reason)

    stop, reached_next = _lift_stop(last_index, next_treatment_index)
    if stop <= day_index:
        if reached_next:
            return unmeasured("the next treatment came the next day, before a lift could be seen")
        return unmeasured("no check-ins after this treatment yet")
    last_above: int | None = None
    low_run = missing = 0
    logged_any = False
    for index in range(day_index + 1, stop + 1):
        value = daily_mood[index]
        if value is None:
            missing += 1
            if missing > LIFT_MAX_GAP_DAYS:
                later = any(v is not None for v in daily_mood[index + 1 : stop + 1])
                if not logged_any and not later:
                    return unmeasured("no check-ins after this treatment yet")
                return unmeasured(GAP_REASON)
            continue
        missing = 0
        logged_any = True
        if round(value, 2) <= baseline:
            low_run += 1
            if low_run >= LIFT_LOW_RUN:
                days = 0 if last_above is None else last_above - day_index
                return Lift(treatment_id, day, days, False, False, None)
        else:
            low_run = 0
            last_above = index
    if not logged_any:
        if reached_next:
            return unmeasured("no check-in between this treatment and the next")
        return unmeasured("no check-ins after this treatment yet")
    days = 0 if last_above is None else last_above - day_index
    return Lift(treatment_id, day, days, not reached_next and low_run == 0, reached_next, None)


def mood_status(latest: float | None, baseline: float | None) -> MoodStatus | None:
    """better / about the same / worse: the latest 7-day mean against baseline, +-1 point."""
    if latest is None or baseline is None:
        return None
    change = round(latest - baseline, 2)
    if change >= MOOD_STATUS_POINTS:
        return "better"
    if change <= -MOOD_STATUS_POINTS:
        return "worse"
    return "about the same"


def progress_state(
    mood_7d: Sequence[float | None],
    logged: Sequence[bool],
    *,
    anchor_index: int,
    latest_index: int,
    baseline: float,
) -> ProgressState | None:
    """``plateau`` or ``not_improving`` (PLATEAU_RULE says both in words), else None."""
    after = range(anchor_index + 1, latest_index + 1)
    reached = any(
        (value := mood_7d[i]) is not None and round(value - baseline, 2) >= IMPROVEMENT_POINTS
        for i in after
    )
    if not reached:
        long_enough = latest_index - anchor_index >= PLATEAU_WINDOW_DAYS
        logged_after = sum(1 for i in after if logged[i])
        if long_enough and logged_after >= PLATEAU_MIN_DAYS_LOGGED:
            return "not_improving"
        return None
    window_first = latest_index - PLATEAU_WINDOW_DAYS + 1
    if window_first <= anchor_index or mood_7d[window_first] is None:
        return None
    if sum(1 for i in range(window_first, latest_index + 1) if logged[i]) < PLATEAU_MIN_DAYS_LOGGED:
        return None
    values = [v for v in mood_7d[window_first : latest_index + 1] if v is not None]
    if round(max(values) - min(values), 2) < PLATEAU_MAX_CHANGE:
        return "plateau"
    return None


def care_prompts(
    *,
    phq9: tuple[int, int | None, int | None] | None = None,
    gad7: int | None = None,
    mood_7d: float | None = None,
    mood_change: float | None = None,
    status: MoodStatus | None = None,
    clinic_phone: str = "",
) -> list[Prompt]:
    """The care-team cards for what was just seen.

    ``phq9`` is (latest total, the total of the PHQ-9 before it, the baseline PHQ-9). A rise is
    measured against the previous score and the baseline; either one of 5+ points prompts, and
    so does a total of 20+ — whatever item 9 says (item 9 above 0 opens the crisis panel too).
    """
    found: list[Prompt] = []
    if phq9 is not None:
        total, previous, baseline = phq9
        if total >= instruments.PHQ9_PROMPT_AT:
            found.append(words.prompt("phq9_severe", clinic_phone, total=total))
        rises = [
            (total - reference, is_previous)
            for reference, is_previous in ((previous, 1), (baseline, 0))
            if reference is not None and total - reference >= instruments.PHQ9_WORSE_RISE
        ]
        if rises:
            points, is_previous = max(rises)
            found.append(
                words.prompt("phq9_rise", clinic_phone, points=points, previous=is_previous)
            )
    if gad7 is not None and gad7 >= instruments.GAD7_PROMPT_AT:
        found.append(words.prompt("gad7_severe", clinic_phone, total=gad7))
    if mood_7d is not None and mood_7d <= MOOD_PROMPT_AT:
        found.append(words.prompt("mood_low", clinic_phone, mean=mood_7d))
    if status == "worse" and mood_change is not None:
        found.append(words.prompt("mood_worse", clinic_phone, points=-mood_change))
    return found


def period_prompts(
    history: dict[str, list[tuple[date, int]]],
    start: date,
    baseline_phq9: tuple[date, int] | None,
    latest_mood: float | None,
    mood_change: float | None,
    mood_status: str | None,
    clinic_phone: str,
    *,
    latest_mood_day: date | None = None,
    last_week: date = date.min,
) -> list[Prompt]:
    """Care-team prompts for the period: questionnaire rules only for a latest score taken in
    the period (an old score is not news), mood rules only for a latest 7-day mean on a day of
    the period's last week (``last_week`` is its first day)."""
    phq9 = history["phq9"]
    latest_phq9 = None
    if latest_mood_day is None or latest_mood_day < last_week:
        latest_mood = None  # the mood rules look at the period's last week only
    if phq9 and phq9[-1][0] >= start:
        previous = phq9[-2][1] if len(phq9) > 1 else None
        baseline = None
        if baseline_phq9 is not None and phq9[-1][0] > baseline_phq9[0]:
            baseline = baseline_phq9[1]
        latest_phq9 = (phq9[-1][1], previous, baseline)
    gad7 = history["gad7"]
    return care_prompts(
        phq9=latest_phq9,
        gad7=gad7[-1][1] if gad7 and gad7[-1][0] >= start else None,
        mood_7d=latest_mood,
        mood_change=None if latest_mood is None else mood_change,
        status="worse" if mood_status == "worse" and latest_mood is not None else None,
        clinic_phone=clinic_phone,
    )


def lifts(
    markers: Sequence[Marker],
    done_days: Sequence[int],
    daily_mood: Sequence[float | None],
    logged: Sequence[bool],
    first_ordinal: int,
    baseline: float | None,
    last_day: date,
    *,
    last_day_is_today: bool = False,
) -> list[Lift]:
    """Each done treatment's lift in the period; see `Lift` for the rule. `done_days`: the
    sorted ordinal days of all done treatments; `last_day`: the last day that can have data."""
    last_index = last_day.toordinal() - first_ordinal
    if last_day_is_today and 0 <= last_index < len(logged) and not logged[last_index]:
        last_index -= 1  # today may simply not be logged yet: it is not a missing day
    found = []
    for marker in markers:
        if marker.status != "done":
            continue
        if baseline is None:
            reason = "no baseline mood, or one too thin to measure a lift against"
            found.append(Lift(marker.id, marker.day, None, False, False, reason))
            continue
        following = bisect_right(done_days, marker.day.toordinal())
        next_index = None
        if following < len(done_days):
            next_index = done_days[following] - first_ordinal
        found.append(
            measure_lift(
                marker.id,
                marker.day,
                marker.day.toordinal() - first_ordinal,
                daily_mood,
                baseline,
                last_index=min(last_index, len(logged) - 1),
                next_treatment_index=next_index,
            )
        )
    return found


def checkin_prompts(
    week: Sequence[float | None],
    *,
    after_baseline: bool,
    baseline: float | None,
    baseline_days: int,
    clinic_phone: str = "",
) -> list[Prompt]:
    """The mood prompts for the 7-day mean ending on a check-in's day, exactly as the trends
    work them out: ``week`` is the 7 daily means ending that day (None: no check-in)."""
    logged = [value for value in week if value is not None]
    if len(logged) < ROLLING_MIN_DAYS:
        return []
    mean = round(sum(logged) / len(logged), 2)
    usable = baseline if baseline_days >= BASELINE_MIN_DAYS and after_baseline else None
    status = mood_status(mean, usable)
    change = None if usable is None else round(mean - usable, 2)
    return care_prompts(mood_7d=mean, mood_change=change, status=status, clinic_phone=clinic_phone)
