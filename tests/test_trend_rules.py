"""Known-answer series for every interpretation rule, each threshold on both sides of its edge.

Each series is built so that its true answer is obvious by reading it: a baseline of exactly
3.0 (14 logged days of 3), a treatment, then so many days of this and so many of that.
"""

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from api.domain.trends import AssessmentPoint, EntryPoint, TreatmentPoint, Trends, rules
from tests.helpers import DAY, NEW_YORK, START, daily, done, phq9, trends

TREATED = START + 14 * DAY  # the first done treatment: 14 days of baseline before it


def course(
    after: Sequence[int | None],
    *more: TreatmentPoint,
    baseline: Sequence[int | None] | None = None,
) -> Trends:
    """Baseline (default 14 days of 3), a treatment on TREATED (mood 3 that day), then `after`."""
    before: Sequence[int | None] = [3] * 14 if baseline is None else baseline
    moods = [*before, 3, *after]
    end = START + (len(moods) - 1) * DAY
    return trends(daily(START, moods), [done(TREATED, "t1"), *more], end=end)


# --- lift duration ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3, 7, 10, 30])
def test_a_lift_of_exactly_n_days(n: int) -> None:
    summary = course([7] * n + [3, 2] + [7] * 5).summary
    assert summary.baseline_mood == 3.0
    [lift] = summary.lifts
    assert lift.days_above == n
    assert (lift.still_above, lift.reached_next_treatment, lift.reason) == (False, False, None)


def test_one_day_at_baseline_does_not_end_a_lift() -> None:
    [lift] = course([7] * 4 + [3] + [7] * 4 + [3, 3]).summary.lifts
    assert lift.days_above == 9


def test_mood_exactly_at_baseline_counts_as_fallen_back() -> None:
    [lift] = course([4, 4, 3, 3]).summary.lifts
    assert lift.days_above == 2


def test_a_lift_still_going_on_the_last_day() -> None:
    [lift] = course([7] * 6).summary.lifts
    assert (lift.days_above, lift.still_above) == (6, True)


def test_a_booster_after_a_dip_is_measured_from_its_own_day() -> None:
    # t1 lifts for 10 days, mood falls for 4 days, the booster (day 15 after t1) lifts for 8.
    booster = TREATED + 15 * DAY
    summary = course([7] * 10 + [2] * 4 + [3] + [8] * 8 + [3, 3], done(booster, "t2")).summary
    first, second = summary.lifts
    assert (first.treatment_id, first.days_above, first.reached_next_treatment) == ("t1", 10, False)
    assert (second.treatment_id, second.days_above, second.reached_next_treatment) == (
        "t2",
        8,
        False,
    )


def test_a_lift_that_runs_into_the_next_treatment_is_a_lower_bound() -> None:
    summary = course([7] * 10, done(TREATED + 5 * DAY, "t2")).summary
    first, second = summary.lifts
    assert (first.days_above, first.reached_next_treatment, first.still_above) == (4, True, False)
    assert (second.days_above, second.still_above) == (5, True)


def test_three_missing_days_neither_end_nor_extend_a_lift() -> None:
    [lift] = course([7] * 5 + [None] * 3 + [7, 7, 3, 3]).summary.lifts
    assert lift.days_above == 10
    # Missing days just before the fall do not extend it: the last day seen above counts.
    [lift] = course([7] * 5 + [None] * 3 + [3, 3]).summary.lifts
    assert lift.days_above == 5


def test_four_missing_days_in_a_row_mean_not_enough_check_ins() -> None:
    [lift] = course([7] * 5 + [None] * 4 + [7, 7, 3, 3]).summary.lifts
    assert lift.days_above is None
    assert lift.reason == rules.GAP_REASON


def test_several_check_ins_a_day_count_as_their_mean() -> None:
    entries = daily(START, [3] * 15)
    after = TREATED + DAY
    entries += [EntryPoint(after, 8), EntryPoint(after, 0)]  # mean 4: above a baseline of 3
    entries += [EntryPoint(after + DAY, 9), EntryPoint(after + DAY, 1)]  # mean 5: above
    entries += [EntryPoint(after + 2 * DAY, 5), EntryPoint(after + 2 * DAY, 1)]  # mean 3
    entries += [EntryPoint(after + 3 * DAY, 2)]
    result = trends(entries, [done(TREATED)], end=after + 3 * DAY)
    [lift] = result.summary.lifts
    assert lift.days_above == 2


def test_a_late_evening_treatment_counts_from_its_local_day() -> None:
    # 23:30 in New York on TREATED is already the next day in UTC: the lift counts from TREATED.
    late = datetime(TREATED.year, TREATED.month, TREATED.day, 23, 30, tzinfo=NEW_YORK)
    treatment = TreatmentPoint(id="t1", at=late, kind="iv_infusion", status="done")
    moods = [3] * 15 + [7] * 4 + [3, 3]
    result = trends(daily(START, moods), [treatment], end=START + 20 * DAY)
    [lift] = result.summary.lifts
    assert (lift.day, lift.days_above) == (TREATED, 4)
    # The same moment read in Tokyo is the next day there: one day fewer above.
    tokyo = ZoneInfo("Asia/Tokyo")
    from api.domain.trends import compute_trends

    result = compute_trends(
        daily(START, moods), [treatment], [], start=START, end=START + 20 * DAY, tz=tokyo,
        today=START + 20 * DAY,
    )  # fmt: skip
    [lift] = result.summary.lifts
    assert (lift.day, lift.days_above) == (TREATED + DAY, 3)


# --- baseline quality -------------------------------------------------------------------------


def test_baseline_with_7_logged_days_is_enough() -> None:
    seven: list[int | None] = [3, None] * 7
    summary = course([7] * 3 + [3, 3], baseline=seven).summary
    assert (summary.baseline_mood_days, summary.baseline_quality) == (7, "ok")
    assert summary.lifts[0].days_above == 3


def test_baseline_with_6_logged_days_is_too_thin_and_claims_nothing() -> None:
    six: list[int | None] = [None, None, *[3, None] * 6]
    summary = course([7] * 30, baseline=six).summary
    assert (summary.baseline_mood_days, summary.baseline_quality) == (6, "too_thin")
    assert summary.baseline_mood == 3.0  # still shown, with its thinness
    assert "too thin" in summary.baseline_text
    assert "6 of the 14 days" in summary.baseline_text
    [lift] = summary.lifts
    assert lift.days_above is None
    assert lift.reason is not None
    assert summary.mood_change is None
    assert summary.mood_status is None
    assert summary.progress is None
    assert summary.plateau is False
    assert summary.prompts == []


def test_phq9_baseline_30_days_before_counts_31_does_not() -> None:
    after = phq9(TREATED + 14 * DAY, 4, "after")
    entries = daily(START, [3] * 30)
    end = START + 29 * DAY
    on_30 = trends(entries, [done(TREATED)], [phq9(TREATED - 30 * DAY, 12, "b"), after], end=end)
    assert on_30.summary.baseline_phq9 == 12
    assert on_30.summary.phq9_status == "minimal"
    on_31 = trends(entries, [done(TREATED)], [phq9(TREATED - 31 * DAY, 12, "b"), after], end=end)
    assert on_31.summary.baseline_phq9 is None
    assert on_31.summary.phq9_status is None
    assert on_31.summary.phq9_status_text.startswith("Not enough data")


def test_a_phq9_rise_is_worse_in_points_never_a_negative_percentage() -> None:
    assessments = [phq9(TREATED, 10, "b"), phq9(TREATED + 14 * DAY, 24, "l")]
    summary = trends(
        daily(START, [3] * 30), [done(TREATED)], assessments, end=START + 29 * DAY
    ).summary
    assert summary.phq9_status == "worse"
    assert summary.phq9_change_text == "+14 points"
    assert summary.phq9_relative_drop is None
    assert summary.phq9_status_text.startswith("Worse")


def test_a_minimal_baseline_gets_no_status_and_no_percentage() -> None:
    assessments = [phq9(TREATED, 4, "b"), phq9(TREATED + 14 * DAY, 1, "l")]
    summary = trends(
        daily(START, [3] * 30), [done(TREATED)], assessments, end=START + 29 * DAY
    ).summary
    assert summary.phq9_status is None
    assert summary.phq9_relative_drop is None
    assert summary.phq9_change_text is not None
    assert "%" not in summary.phq9_change_text
    assert "minimal range" in summary.phq9_status_text


# --- plateau and not improving ------------------------------------------------------------------


def test_not_improving_needs_21_days_after_the_baseline() -> None:
    assert course([4] * 21).summary.progress == "not_improving"
    assert course([4] * 20).summary.progress is None


def test_reaching_exactly_2_points_then_flat_is_a_plateau() -> None:
    summary = course([5] * 35).summary
    assert (summary.progress, summary.plateau) == ("plateau", True)
    assert summary.progress_text is not None
    assert "improved" in summary.progress_text
    assert summary.progress_text_clinician is not None
    assert summary.progress_text_clinician.startswith("Plateau")


def test_just_under_2_points_is_not_improving() -> None:
    baseline: list[int | None] = [*([3] * 13), 4]  # mean 3.07: 5 is only 1.93 above it
    summary = course([5] * 35, baseline=baseline).summary
    assert summary.baseline_mood == 3.07
    assert summary.progress == "not_improving"
    assert summary.progress_text is not None
    assert "not been 2 points" in summary.progress_text


def test_still_moving_half_a_point_is_no_plateau() -> None:
    # 6 for two weeks, then 7 settles the 7-day mean a whole point higher within the window.
    assert course([6] * 20 + [7] * 15).summary.progress is None
    assert course([6] * 35).summary.progress == "plateau"


# --- mood status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_week", "status"),
    [
        ([4] * 7, "better"),  # +1.0
        ([4] * 6 + [3], "about the same"),  # +0.86
        ([2] * 7, "worse"),  # -1.0
        ([2] * 6 + [3], "about the same"),  # -0.86
    ],
)
def test_mood_status_edges(last_week: list[int], status: str) -> None:
    summary = course([3] * 7 + last_week).summary
    assert summary.mood_status == status
    assert summary.mood_status_text.lower().startswith(f"mood {status}")


# --- care-team prompts ---------------------------------------------------------------------------


def gad7(day: date, total: int) -> AssessmentPoint:
    at = datetime(day.year, day.month, day.day, 9, 5, tzinfo=NEW_YORK)
    return AssessmentPoint(f"g{total}", "gad7", at, total, "band")


def codes(result: Trends) -> list[str]:
    return [each.code for each in result.summary.prompts]


def prompted(*assessments: AssessmentPoint, moods: list[int] | None = None) -> Trends:
    entries = daily(START, moods or [5] * 30)
    return trends(entries, [done(TREATED)], list(assessments), end=START + 29 * DAY)


def test_phq9_prompt_at_20_not_19() -> None:
    assert codes(prompted(phq9(START + 20 * DAY, 20, "a"))) == ["phq9_severe"]
    assert codes(prompted(phq9(START + 20 * DAY, 19, "a"))) == []


def test_phq9_rise_prompt_at_5_points_not_4_even_with_item_9_at_0() -> None:
    rise5 = prompted(phq9(START + 10 * DAY, 8, "a"), phq9(START + 24 * DAY, 13, "b"))
    assert codes(rise5) == ["phq9_rise"]
    assert "5 points higher than your previous one" in rise5.summary.prompts[0].message
    rise4 = prompted(phq9(START + 10 * DAY, 8, "a"), phq9(START + 24 * DAY, 12, "b"))
    assert codes(rise4) == []


def test_gad7_prompt_at_15_not_14() -> None:
    assert codes(prompted(gad7(START + 20 * DAY, 15))) == ["gad7_severe"]
    assert codes(prompted(gad7(START + 20 * DAY, 14))) == []


def test_low_mood_prompt_at_a_7_day_mean_of_2_not_2_14() -> None:
    low = prompted(moods=[5] * 23 + [2] * 7)
    assert "mood_low" in codes(low)
    assert "2.0 out of 10" in low.summary.prompts[0].message
    assert "mood_low" not in codes(prompted(moods=[5] * 23 + [2] * 6 + [3]))  # 2.14


def test_mood_prompts_only_for_the_periods_last_week() -> None:
    entries = daily(START, [5] * 23 + [2] * 7)  # a low week ending on day 29 ...
    stale = trends(entries, [done(TREATED)], end=START + 40 * DAY)  # ... 11 days before the end
    assert stale.summary.latest_mood_7d == 2.0
    assert codes(stale) == []


def test_mood_worse_prompt_follows_mood_status() -> None:
    worse = course([3] * 7 + [2] * 7)  # 7-day mean 2.0: 1 point below, and low
    assert codes(worse) == ["mood_low", "mood_worse"]
    assert "1.0 points below your baseline" in worse.summary.prompts[1].message
    assert codes(course([3] * 7 + [2] * 6 + [3])) == []


def test_prompts_include_the_clinic_phone_when_entered() -> None:
    [with_phone] = rules.care_prompts(gad7=16, clinic_phone="+1 555 0100")
    assert with_phone.message.endswith("Your clinic's number: +1 555 0100.")
    assert with_phone.message.startswith("This note appears because your GAD-7 score is 16")
    assert "(15 or more)" in with_phone.message  # the rule, with its threshold
    [without] = rules.care_prompts(gad7=16)
    assert "add your clinic's phone number under Account" in without.message


def test_nothing_after_the_period_end_is_used() -> None:
    later = TREATED + 40 * DAY
    result = trends(
        daily(START, [3] * 20), [done(TREATED), done(later, "later")], end=START + 19 * DAY,
        today=START + 60 * DAY,
    )  # fmt: skip
    assert result.summary.last_treatment_date == TREATED
    assert result.summary.days_since_last_treatment == 5  # as of the period's end
    assert [lift.treatment_id for lift in result.summary.lifts] == ["t1"]
    # A baseline date after the period says nothing about the period.
    assert trends(daily(START, [3] * 5), [done(later)]).summary.baseline_date is None


def test_a_rise_from_a_minimal_baseline_has_no_status_but_is_still_named() -> None:
    result = prompted(phq9(TREATED - DAY, 3, "b"), phq9(START + 24 * DAY, 9, "l"))
    assert result.summary.phq9_status is None
    assert result.summary.phq9_change_text is not None
    assert result.summary.phq9_change_text.startswith("+6 points; started in the minimal range")
    assert codes(result) == ["phq9_rise"]
