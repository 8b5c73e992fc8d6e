"""Trend maths: daily series, gaps, 7-day average, baseline, lifts, plateau, time zones."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

import msgspec
import pytest

from api.domain.trends import (
    PLATEAU_RULE,
    EntryPoint,
    TreatmentPoint,
    Trends,
    local_day,
)
from tests.helpers import DAY, NEW_YORK, START, daily, done, phq9, trends

BOTH_ENGINES = True


def test_no_data_gives_empty_days_and_an_empty_summary() -> None:
    result = trends([])
    assert [point.day for point in result.days] == [START + i * DAY for i in range(7)]
    assert all(point.mood is None and point.mood_7d is None for point in result.days)
    assert all(point.checkins == 0 for point in result.days)
    summary = result.summary
    assert summary.baseline_date is None
    assert summary.baseline_source is None
    assert summary.baseline_mood is None
    assert summary.latest_mood_7d is None
    assert summary.phq9_status is None
    assert summary.days_since_last_treatment is None
    assert summary.lifts == []
    assert summary.plateau is False
    assert summary.plateau_rule == PLATEAU_RULE
    # No check-in ever: there are no check-in days to count yet.
    assert (summary.adherence, summary.days_logged, summary.days_in_period) == (0.0, 0, 0)


def test_one_day_of_data() -> None:
    result = trends([EntryPoint(START + 2 * DAY, 7, anxiety=3, energy=5, sleep_hours=6.5)])
    point = result.days[2]
    assert (point.mood, point.anxiety, point.energy, point.sleep_hours) == (7, 3, 5, 6.5)
    assert point.checkins == 1
    assert point.mood_7d is None  # one day of seven is not an average
    assert result.summary.days_logged == 1
    # Counted from the first check-in (day 2 of 7), not from before history began.
    assert result.summary.days_in_period == 5
    assert result.summary.first_checkin_date == START + 2 * DAY
    assert result.summary.adherence == 0.2


def test_gaps_stay_none_never_zero() -> None:
    result = trends(daily(START, [5, None, 6]))
    gap = result.days[1]
    assert (gap.mood, gap.anxiety, gap.energy, gap.sleep_hours) == (None, None, None, None)
    assert gap.checkins == 0
    encoded = msgspec.json.decode(msgspec.json.encode(result))
    assert encoded["days"][1]["mood"] is None
    assert encoded["days"][1]["mood_7d"] is None


def test_several_checkins_in_a_day_are_averaged() -> None:
    day = START + DAY
    result = trends(
        [
            EntryPoint(day, 4, anxiety=2, sleep_hours=7.0),
            EntryPoint(day, 5, anxiety=5),
            EntryPoint(day, 7, energy=6),
        ]
    )
    point = result.days[1]
    assert point.mood == 5.33
    assert point.anxiety == 3.5  # mean of the two check-ins that gave it
    assert point.energy == 6
    assert point.sleep_hours == 7.0
    assert point.checkins == 3


def test_seven_day_mean_needs_four_of_seven_days() -> None:
    result = trends(daily(START, [2, None, 4, None, 6, None, 8]))
    assert [point.mood_7d for point in result.days] == [None] * 6 + [5.0]
    three_of_seven = trends(daily(START, [2, None, None, 4, None, None, 8]))
    assert three_of_seven.days[6].mood_7d is None


def test_seven_day_mean_uses_daily_means_not_individual_checkins() -> None:
    entries = [
        *daily(START, [4, 4, 4]),
        EntryPoint(START + 3 * DAY, 0),
        EntryPoint(START + 3 * DAY, 10),
    ]
    result = trends(entries)
    assert result.days[3].mood_7d == 4.25  # (4 + 4 + 4 + 5) / 4, not (4+4+4+0+10) / 5


def test_seven_day_mean_at_start_uses_history_before_start() -> None:
    history = daily(START - 6 * DAY, [6, 6, 6, 6, 6, 6])
    result = trends([*history, EntryPoint(START, 6)])
    assert result.days[0].mood_7d == 6.0


def test_seven_day_window_slides() -> None:
    result = trends(daily(START, [9, 9, 9, 9, None, None, None, 1, 1, 1]), end=START + 10 * DAY)
    # Day 6 sees four nines; each later day drops a nine and gains a one; day 10 sees only 3 days.
    assert [point.mood_7d for point in result.days[6:]] == [9.0, 7.0, 5.0, 3.0, None]


def test_baseline_from_first_done_treatment() -> None:
    first = date(2026, 2, 1)
    entries = daily(first - 14 * DAY, [3, 4] * 7) + daily(first, [9])
    result = trends(entries, [done(first)], start=first, end=first + 6 * DAY)
    summary = result.summary
    assert summary.baseline_source == "first_treatment"
    assert summary.baseline_date == first
    assert summary.baseline_mood == 3.5  # the treatment day's 9 is not in the baseline
    assert summary.baseline_mood_days == 14


def test_user_baseline_date_wins_over_first_treatment() -> None:
    chosen = date(2026, 3, 1)
    entries = daily(chosen - 14 * DAY, [6] * 14) + daily(date(2026, 1, 1), [2] * 31)
    result = trends(
        entries, [done(date(2026, 2, 1))], start=chosen, end=chosen + 6 * DAY, baseline_date=chosen
    )
    assert result.summary.baseline_source == "user"
    assert result.summary.baseline_date == chosen
    assert result.summary.baseline_mood == 6.0


def test_baseline_far_before_the_period_still_found() -> None:
    first = date(2025, 1, 20)
    entries = daily(first - 14 * DAY, [2] * 14) + daily(date(2026, 1, 1), [7] * 7)
    result = trends(entries, [done(first)])
    assert result.summary.baseline_mood == 2.0
    assert result.summary.mood_change == 5.0


def test_planned_and_cancelled_treatments_do_not_anchor_the_baseline() -> None:
    planned = done(date(2026, 1, 10), "planned", status="planned")
    cancelled = done(date(2026, 1, 12), "cancelled", status="cancelled")
    real = done(date(2026, 1, 20), "real")
    result = trends([], [planned, cancelled, real], start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert result.summary.baseline_date == date(2026, 1, 20)
    assert [marker.id for marker in result.treatments] == ["planned", "cancelled", "real"]
    assert [lift.treatment_id for lift in result.summary.lifts] == ["real"]
    only_planned = trends([], [planned, cancelled], start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert only_planned.summary.baseline_date is None


def test_no_done_treatment_and_no_user_date_means_no_baseline() -> None:
    result = trends(daily(START, [5] * 7))
    assert result.summary.baseline_mood is None
    assert result.summary.mood_change is None


def test_treatment_with_no_data_after_it() -> None:
    treatment_day = START + 20 * DAY
    entries = daily(START, [4] * 21)  # up to and including the treatment day
    result = trends(entries, [done(treatment_day)], end=START + 27 * DAY)
    [lift] = result.summary.lifts
    assert lift.days_above is None
    assert lift.still_above is False
    assert lift.reason == "no check-ins after this treatment yet"


def test_lift_without_a_baseline_mood_says_why() -> None:
    treatment_day = START + 3 * DAY
    result = trends(
        daily(treatment_day + DAY, [8] * 10), [done(treatment_day)], end=START + 20 * DAY
    )
    [lift] = result.summary.lifts
    assert lift.days_above is None
    assert lift.reason is not None
    assert "no baseline mood" in lift.reason


def test_lift_lasts_then_falls_back() -> None:
    # Baseline 3 for 14 days, treatment day also 3, then five days of 8 and then 1s.
    treatment_day = START + 14 * DAY
    moods = [3] * 15 + [8] * 5 + [1] * 10
    result = trends(daily(START, moods), [done(treatment_day)], end=START + 29 * DAY)
    by_day = {point.day: point.mood_7d for point in result.days}
    # The 7-day mean only reaches 3 ten days after the treatment: (8+8+1*5)/7 = 3 ...
    assert by_day[treatment_day + 9 * DAY] == 4.0
    assert by_day[treatment_day + 10 * DAY] == 3.0
    [lift] = result.summary.lifts
    # ... but daily mood was above baseline for exactly 5 days: the lift is 5, not 9.
    assert lift.days_above == 5
    assert lift.still_above is False
    assert lift.reached_next_treatment is False
    assert lift.reason is None


def test_lift_still_above_on_the_last_day_with_data() -> None:
    treatment_day = START + 14 * DAY
    moods = [3] * 15 + [7] * 6
    # The period ends two unlogged days later: a gap of 2 neither ends nor extends the lift.
    result = trends(daily(START, moods), [done(treatment_day)], end=START + 22 * DAY)
    [lift] = result.summary.lifts
    assert lift.still_above is True
    assert lift.days_above == 6  # six logged days after the treatment, all above


def test_lift_stops_counting_at_the_next_treatment() -> None:
    first, second = START + 14 * DAY, START + 17 * DAY
    moods = [3] * 15 + [8] * 12
    result = trends(
        daily(START, moods),
        [done(first, "first"), done(second, "second")],
        end=START + 26 * DAY,
    )
    lift_first, lift_second = result.summary.lifts
    assert lift_first.treatment_id == "first"
    assert (lift_first.days_above, lift_first.reached_next_treatment) == (2, True)
    assert lift_first.still_above is False
    assert (lift_second.still_above, lift_second.days_above) == (True, 9)


def plateau_case(after: Sequence[int | None]) -> Trends:
    """Baseline 3 for 14 days, a treatment, then `after` day by day."""
    treatment_day = START + 14 * DAY
    moods: list[int | None] = [*[3] * 15, *after]
    end = START + (len(moods) - 1) * DAY
    return trends(daily(START, moods), [done(treatment_day)], start=START, end=end)


def test_flat_and_never_2_points_above_baseline_is_not_improving_not_a_plateau() -> None:
    summary = plateau_case([4] * 35).summary
    assert summary.baseline_mood == 3.0
    assert summary.latest_mood_7d == 4.0
    assert summary.plateau is False
    assert summary.progress == "not_improving"


def test_flat_after_reaching_2_points_above_baseline_is_a_plateau() -> None:
    summary = plateau_case([6] * 35).summary
    assert (summary.plateau, summary.progress) == (True, "plateau")


def test_no_plateau_while_still_improving() -> None:
    rising = [4 + day // 7 for day in range(35)]  # +1 point a week
    assert plateau_case(rising).summary.plateau is False


def test_no_plateau_with_too_few_days_logged() -> None:
    sparse: list[int | None] = [4 if day % 2 else None for day in range(35)]  # every other day
    summary = plateau_case(sparse).summary
    assert summary.latest_mood_7d == 4.0
    assert summary.plateau is False


def test_no_plateau_soon_after_the_first_treatment() -> None:
    assert plateau_case([4] * 15).summary.plateau is False  # window reaches back before it


def test_adherence_counts_logged_days_up_to_today() -> None:
    entries = [*daily(START, [5, None, 5, 5]), EntryPoint(START + 3 * DAY, 6)]
    result = trends(entries, start=START, end=START + 9 * DAY, today=START + 9 * DAY)
    assert (result.summary.days_logged, result.summary.days_in_period) == (3, 10)
    assert result.summary.adherence == 0.3
    future = trends(entries, start=START, end=START + 9 * DAY, today=START + 3 * DAY)
    assert (future.summary.days_in_period, future.summary.adherence) == (4, 0.75)


def test_phq9_baseline_latest_and_status() -> None:
    first = date(2026, 2, 1)
    assessments = [
        phq9(first - 20 * DAY, 22, "old"),
        phq9(first - 2 * DAY, 18, "baseline"),
        phq9(first + 14 * DAY, 12, "mid"),
        phq9(first + 28 * DAY, 8, "latest"),
        phq9(first + 60 * DAY, 2, "after the period"),
    ]
    result = trends([], [done(first)], assessments, start=first, end=first + 30 * DAY)
    summary = result.summary
    assert (summary.baseline_phq9, summary.baseline_phq9_date) == (18, first - 2 * DAY)
    assert (summary.latest_phq9, summary.latest_phq9_date) == (8, first + 28 * DAY)
    assert summary.phq9_change == -10
    assert summary.phq9_relative_drop == 0.556
    assert summary.phq9_status == "response"
    assert [marker.id for marker in result.assessments] == ["mid", "latest"]


def test_no_phq9_status_without_a_score_after_the_baseline() -> None:
    first = date(2026, 2, 1)
    result = trends(
        [], [done(first)], [phq9(first - DAY, 15, "only")], start=first, end=first + 9 * DAY
    )
    assert result.summary.baseline_phq9 == 15
    assert result.summary.latest_phq9 == 15
    assert result.summary.phq9_change is None
    assert result.summary.phq9_status is None


def test_days_since_last_done_treatment() -> None:
    treatments = [
        done(date(2026, 1, 2), "a"),
        done(date(2026, 1, 5), "b"),
        done(date(2026, 1, 9), "planned", status="planned"),
    ]
    result = trends([], treatments, today=date(2026, 1, 7))
    assert result.summary.last_treatment_date == date(2026, 1, 5)
    assert result.summary.days_since_last_treatment == 2


def test_crisis_flags_count_assessments_and_entry_days_in_the_period() -> None:
    assessments = [
        phq9(START + DAY, 20, "in", flagged=True),
        phq9(START + 2 * DAY, 5, "not flagged"),
        phq9(START - 5 * DAY, 20, "before", flagged=True),
    ]
    flagged_days = [START + 3 * DAY, START + 3 * DAY, START + 4 * DAY, START + 30 * DAY]
    result = trends([], [], assessments, flagged_entry_days=flagged_days)
    assert result.summary.crisis_flags == 3  # one assessment, two distinct entry days


def test_treatment_day_is_the_local_day_in_the_users_zone() -> None:
    early_new_york = datetime(2026, 3, 8, 1, 30, tzinfo=timezone(timedelta(hours=-5)))
    evening_utc = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)
    late_new_york_is_next_utc_day = datetime(2026, 3, 8, 3, 30, tzinfo=UTC)
    assert local_day(early_new_york, NEW_YORK) == date(2026, 3, 8)
    assert local_day(evening_utc, NEW_YORK) == date(2026, 3, 7)
    assert local_day(late_new_york_is_next_utc_day, NEW_YORK) == date(2026, 3, 7)
    treatments = [
        TreatmentPoint("early", early_new_york, "iv_infusion", "done"),
        TreatmentPoint("evening", evening_utc, "iv_infusion", "done"),
    ]
    result = trends([], treatments, start=date(2026, 3, 6), end=date(2026, 3, 9))
    assert {marker.id: marker.day for marker in result.treatments} == {
        "evening": date(2026, 3, 7),
        "early": date(2026, 3, 8),
    }


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        # The naive datetime is the input under test, so DTZ001 does not apply here.
        local_day(datetime(2026, 3, 8, 1, 30), NEW_YORK)  # noqa: DTZ001


def at_offset(day: date, hour: int, minute: int, utc_offset_hours: int) -> datetime:
    return datetime(
        day.year,
        day.month,
        day.day,
        hour,
        minute,
        tzinfo=timezone(timedelta(hours=utc_offset_hours)),
    )


@pytest.mark.parametrize(
    ("start", "change_day", "moments"),
    [
        # US spring forward, Sunday 8 March 2026: 01:30 EST, then 03:30 EDT (02:30 never exists).
        (date(2026, 3, 5), date(2026, 3, 8), [(1, 30, -5), (3, 30, -4), (23, 30, -4)]),
        # US fall back, Sunday 1 November 2026: 01:30 happens twice, EDT then EST.
        (date(2026, 10, 29), date(2026, 11, 1), [(1, 30, -4), (1, 30, -5), (23, 30, -5)]),
    ],
)
def test_dst_weeks_have_exactly_one_point_per_calendar_day(
    start: date, change_day: date, moments: list[tuple[int, int, int]]
) -> None:
    entries = daily(start - 10 * DAY, [5] * 17)
    treatments = [
        TreatmentPoint(f"t{n}", at_offset(change_day, *moment), "iv_infusion", "done")
        for n, moment in enumerate(moments)
    ]
    result = trends(entries, treatments, start=start, end=start + 6 * DAY)
    assert [point.day for point in result.days] == [start + i * DAY for i in range(7)]
    assert all(point.mood == 5 and point.mood_7d == 5.0 for point in result.days)
    assert [marker.day for marker in result.treatments] == [change_day] * 3


def test_ten_years_of_data_runs() -> None:
    first = date(2016, 1, 1)
    days = 3653
    entries = [
        EntryPoint(first + i * DAY, (i * 7) % 11, anxiety=(i * 3) % 11, sleep_hours=7.25)
        for i in range(days)
    ]
    treatments = [done(first + (30 + i * 18) * DAY, f"t{i}") for i in range(200)]
    assessments = [phq9(first + (5 + i * 14) * DAY, (i * 5) % 28, f"a{i}") for i in range(250)]
    result = trends(entries, treatments, assessments, start=first, end=first + (days - 1) * DAY)
    assert len(result.days) == days
    assert result.summary.days_logged == days
    assert len(result.summary.lifts) == 200
    assert len(result.treatments) == 200
    assert len(result.assessments) == 250
    msgspec.json.encode(result)
