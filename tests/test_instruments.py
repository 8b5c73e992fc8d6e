"""PHQ-9 / GAD-7 scoring, bands, response thresholds and the published wording and codes."""

import re
from datetime import date, timedelta

import msgspec
import pytest

from api.domain import instruments
from api.domain.instruments import (
    GAD7,
    INSTRUMENTS,
    PHQ9,
    describe_phq9_change,
    phq9_change_status,
    relative_drop,
    score,
)


def answers_totalling(total: int, count: int) -> list[int]:
    """A valid answer list with the given total, filled from the first item (item 9 last)."""
    answers = []
    for _ in range(count):
        answer = min(3, total)
        answers.append(answer)
        total -= answer
    assert total == 0, "total too high for this many items"
    return answers


@pytest.mark.parametrize(
    ("total", "band", "label"),
    [
        (0, "minimal", "Minimal"),
        (4, "minimal", "Minimal"),
        (5, "mild", "Mild"),
        (9, "mild", "Mild"),
        (10, "moderate", "Moderate"),
        (14, "moderate", "Moderate"),
        (15, "moderately_severe", "Moderately severe"),
        (19, "moderately_severe", "Moderately severe"),
        (20, "severe", "Severe"),
        (27, "severe", "Severe"),
    ],
)
def test_phq9_every_band_boundary(total: int, band: str, label: str) -> None:
    result = score("phq9", answers_totalling(total, 9))
    assert (result.total, result.band, result.band_label) == (total, band, label)
    assert result.max_total == 27


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_every_band_boundary(total: int, band: str) -> None:
    result = score("gad7", answers_totalling(total, 7))
    assert (result.total, result.band) == (total, band)
    assert result.item9_positive is False


def test_total_is_the_sum_of_answers() -> None:
    assert score("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 0]).total == 10
    assert score("gad7", [3, 0, 1, 2, 0, 1, 1]).total == 8


def test_item9_positive_only_when_item9_above_zero() -> None:
    assert score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1]).item9_positive is True
    assert score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 3]).item9_positive is True
    assert score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).item9_positive is False


def test_item9_positive_even_when_the_total_is_minimal() -> None:
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.band == "minimal"
    assert result.item9_positive is True


@pytest.mark.parametrize(
    ("instrument_id", "answers", "message"),
    [
        ("phq9", [0] * 8, "exactly 9 answers, got 8"),
        ("phq9", [0] * 10, "exactly 9 answers, got 10"),
        ("gad7", [0] * 9, "exactly 7 answers, got 9"),
        ("phq9", [0, 0, 0, 4, 0, 0, 0, 0, 0], "answer 4 must be an integer 0 to 3, got 4"),
        ("gad7", [0, -1, 0, 0, 0, 0, 0], "answer 2 must be an integer 0 to 3, got -1"),
        ("gad7", [0, 0, 0, 0, 0, 0, 1.5], "answer 7 must be an integer 0 to 3, got 1.5"),
        ("gad7", [True, 0, 0, 0, 0, 0, 0], "answer 1 must be an integer 0 to 3, got True"),
        ("bdi", [0] * 21, "unknown instrument 'bdi'"),
    ],
)
def test_bad_answers_raise_a_clear_value_error(
    instrument_id: str, answers: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        score(instrument_id, answers)


def test_relative_drop_is_never_negative_and_never_for_a_minimal_baseline() -> None:
    assert relative_drop(20, 10) == 0.5
    assert relative_drop(20, 25) is None  # a rise is named in points, never as a percentage
    assert relative_drop(20, 20) is None
    assert relative_drop(4, 0) is None  # started in the minimal range
    assert relative_drop(5, 0) == 1.0


D0 = date(2026, 3, 1)


def status(baseline: int, *scores: int, every: int = 14) -> str | None:
    """phq9_change_status for scores taken `every` days apart after the baseline date."""
    after = [(D0 + timedelta(days=every * (n + 1)), total) for n, total in enumerate(scores)]
    return phq9_change_status(baseline, after)


@pytest.mark.parametrize(
    ("baseline", "latest", "expected"),
    [
        (10, 15, "worse"),  # a rise of exactly 5
        (10, 14, "none"),  # a rise of 4 is not yet "worse"
        (10, 24, "worse"),  # the case: never "no response"
        (5, 10, "worse"),
        (20, 10, "response"),  # exactly 50 %
        (20, 11, "partial"),  # 45 %
        (12, 6, "response"),  # exactly 50 %
        (27, 14, "partial"),  # 48 %: just under a response
        (12, 9, "partial"),  # exactly 25 %
        (20, 15, "partial"),  # exactly 25 %
        (20, 16, "none"),  # 20 %
        (25, 19, "none"),  # 24 %
        (12, 10, "none"),  # 16.7 %
        (10, 5, "response"),  # exactly 50 %; 5 is not below 5
        (10, 4, "minimal"),  # one score below 5 is "minimal", not remission
        (5, 4, "minimal"),  # the lowest baseline a status is given for
        (27, 27, "none"),
    ],
)
def test_phq9_change_status_at_every_edge(baseline: int, latest: int, expected: str) -> None:
    assert status(baseline, latest) == expected


def test_baseline_below_5_gets_no_status() -> None:
    assert status(4, 0) is None
    assert status(4, 20) is None  # not even "worse": the words say "started in the minimal range"
    assert status(0, 0) is None
    assert status(5, 0) == "minimal"


def test_no_score_after_the_baseline_gets_no_status() -> None:
    assert phq9_change_status(12, []) is None


def test_remission_needs_two_scores_below_5_at_least_14_days_apart() -> None:
    assert status(15, 4, 3, every=14) == "remission"  # 14 days apart
    assert status(15, 4, 3, every=13) == "minimal"  # 13 days apart
    assert status(15, 4, 3, 2, every=7) == "remission"  # three weekly scores span 14 days
    assert status(15, 4, 6, 3, every=14) == "minimal"  # a 6 in between starts the count again
    assert status(15, 10, 4, every=14) == "minimal"  # the earlier score was not below 5


def test_worse_is_checked_before_everything_else() -> None:
    assert status(12, 3, 17) == "worse"  # a low score earlier does not hide a rise


def test_phq9_change_status_rejects_impossible_totals() -> None:
    with pytest.raises(ValueError, match="baseline must be an integer 0 to 27, got 28"):
        phq9_change_status(28, [(D0, 3)])
    with pytest.raises(ValueError, match="score must be an integer 0 to 27, got -1"):
        phq9_change_status(10, [(D0, -1)])


@pytest.mark.parametrize(
    ("baseline", "latest", "words"),
    [
        (10, 24, "+14 points"),
        (10, 11, "+1 point"),
        (10, 10, "no change (0 points)"),
        (10, 5, "-5 points (50 % lower)"),
        (27, 14, "-13 points (48 % lower)"),  # rounded down: never reads as a response
        (12, 9, "-3 points (25 % lower)"),
        (4, 1, "-3 points; started in the minimal range, so no percentage or status"),
        (3, 9, "+6 points; started in the minimal range, so no percentage or status"),
    ],
)
def test_describe_phq9_change(baseline: int, latest: int, words: str) -> None:
    assert describe_phq9_change(baseline, latest) == words
    assert not re.search(r"-\d+ ?%", words)  # never a negative percentage


def test_thresholds_are_the_published_ones() -> None:
    assert instruments.RESPONSE_DROP == 0.5
    assert instruments.PARTIAL_DROP == 0.25
    assert instruments.PHQ9_REMISSION_BELOW == 5
    assert instruments.PHQ9_REMISSION_MIN_DAYS == 14
    assert instruments.PHQ9_WORSE_RISE == 5
    assert instruments.PHQ9_BASELINE_MAX_DAYS == 30
    assert (instruments.PHQ9_PROMPT_AT, instruments.GAD7_PROMPT_AT) == (20, 15)


def test_bands_cover_every_total_exactly_once() -> None:
    for each in INSTRUMENTS:
        covered = [t for band in each.bands for t in range(band.min_total, band.max_total + 1)]
        assert covered == list(range(each.max_total + 1))


def test_attribution_and_loinc_codes() -> None:
    attribution = (
        "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, "
        "translate, display or distribute."
    )
    assert PHQ9.attribution == attribution
    assert GAD7.attribution == attribution
    assert (PHQ9.panel_loinc, PHQ9.total_loinc) == ("44249-1", "44261-6")
    assert (GAD7.panel_loinc, GAD7.total_loinc) == ("69737-5", "70274-6")
    assert [item.loinc for item in PHQ9.items] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert [item.loinc for item in GAD7.items] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]
    assert PHQ9.difficulty is not None
    assert PHQ9.difficulty.loinc == "69722-7"


def test_official_wording_of_key_items() -> None:
    assert PHQ9.stem == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert PHQ9.items[0].text == "Little interest or pleasure in doing things"
    assert PHQ9.items[8].text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert GAD7.items[0].text == "Feeling nervous, anxious or on edge"
    assert [option.label for option in PHQ9.options] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    assert PHQ9.difficulty is not None
    assert [option.label for option in PHQ9.difficulty.options] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]


def test_items_are_numbered_in_order() -> None:
    for each in INSTRUMENTS:
        assert [item.number for item in each.items] == list(range(1, len(each.items) + 1))


def test_no_band_meaning_calls_a_score_safe() -> None:
    for each in INSTRUMENTS:
        for band in each.bands:
            assert band.meaning
            assert "safe" not in band.meaning.lower()


def test_instruments_encode_and_decode_round_trip() -> None:
    encoded = msgspec.json.encode(INSTRUMENTS)
    decoded = msgspec.json.decode(encoded, type=tuple[instruments.Instrument, ...])
    assert decoded == INSTRUMENTS
    assert b'"id":"phq9"' in encoded


def test_gad7_has_the_same_difficulty_question_as_phq9() -> None:
    assert GAD7.difficulty is not None
    assert GAD7.difficulty == PHQ9.difficulty
    assert GAD7.difficulty.loinc == "69722-7"
    assert GAD7.difficulty.text.startswith("If you checked off any problems, how difficult")
