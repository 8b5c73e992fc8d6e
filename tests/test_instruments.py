"""PHQ-9 / GAD-7 scoring, bands, response thresholds and the published wording and codes."""

import msgspec
import pytest

from api.domain import instruments
from api.domain.instruments import GAD7, INSTRUMENTS, PHQ9, phq9_status, relative_drop, score


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


def test_relative_drop() -> None:
    assert relative_drop(20, 10) == 0.5
    assert relative_drop(20, 25) == -0.25
    assert relative_drop(0, 0) is None


@pytest.mark.parametrize(
    ("baseline", "latest", "status"),
    [
        (20, 10, "response"),  # exactly 50 %
        (20, 11, "partial"),  # 45 %
        (12, 9, "partial"),  # exactly 25 %
        (12, 10, "none"),  # 16.7 %
        (20, 15, "partial"),  # exactly 25 %
        (20, 16, "none"),  # 20 %
        (10, 5, "response"),  # exactly 50 %, 5 is not yet remission
        (10, 4, "remission"),  # below 5 beats "response"
        (6, 4, "remission"),  # only 33 %, but below 5
        (5, 4, "remission"),  # lowest baseline where remission means anything
        (20, 24, "none"),  # worse
        (27, 27, "none"),
        (4, 0, "none"),  # baseline already minimal: nothing to remit from
        (0, 0, "none"),
    ],
)
def test_phq9_status_thresholds(baseline: int, latest: int, status: str) -> None:
    assert phq9_status(baseline, latest) == status


def test_phq9_status_rejects_impossible_totals() -> None:
    with pytest.raises(ValueError, match="baseline must be an integer 0 to 27, got 28"):
        phq9_status(28, 3)
    with pytest.raises(ValueError, match="latest must be an integer 0 to 27, got -1"):
        phq9_status(10, -1)


def test_thresholds_are_the_published_ones() -> None:
    assert instruments.RESPONSE_DROP == 0.5
    assert instruments.PARTIAL_DROP == 0.25
    assert instruments.PHQ9_REMISSION_BELOW == 5


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
