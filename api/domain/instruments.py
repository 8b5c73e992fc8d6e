"""PHQ-9 and GAD-7: their official wording and codes, scoring, and response thresholds.

Everything here is pure data or a pure function, so scoring is tested without HTTP and every
other module (assessments, trends, exports) reads the same wording, codes and cut-offs.

The item wording is the Pfizer form's, unaltered (the instruments are only valid as written).
LOINC codes were checked item by item against published FHIR Questionnaires for the panels
44249-1 (PHQ-9) and 69737-5 (GAD-7).
"""

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

InstrumentId = Literal["phq9", "gad7"]
#: PHQ-9 change from baseline; see `phq9_change_status` for the rule behind each.
Phq9Status = Literal["worse", "remission", "minimal", "response", "partial", "none"]

LoincCode = Annotated[str, Meta(pattern=r"^\d{1,8}-\d$", description="A LOINC code, e.g. 44261-6.")]

# ---------------------------------------------------------------------------------------------
# Thresholds. Every cut-off Waypoint applies to questionnaire scores lives in this block.
# ---------------------------------------------------------------------------------------------

#: Lowest total of each severity band, with the band's id and label, in ascending order.
PHQ9_BAND_FLOORS: Final = (
    (0, "minimal", "Minimal"),
    (5, "mild", "Mild"),
    (10, "moderate", "Moderate"),
    (15, "moderately_severe", "Moderately severe"),
    (20, "severe", "Severe"),
)
GAD7_BAND_FLOORS: Final = (
    (0, "minimal", "Minimal"),
    (5, "mild", "Mild"),
    (10, "moderate", "Moderate"),
    (15, "severe", "Severe"),
)
#: A drop of at least this fraction of the baseline score is a response.
RESPONSE_DROP: Final = 0.5
#: A drop of at least this fraction (but less than RESPONSE_DROP) is a partial response.
PARTIAL_DROP: Final = 0.25
#: A PHQ-9 total below this is in the minimal band: "minimal" once, "remission" when sustained.
PHQ9_REMISSION_BELOW: Final = 5
#: Remission needs scores below PHQ9_REMISSION_BELOW at least this many days apart, and none of
#: PHQ9_REMISSION_BELOW or more in between.
PHQ9_REMISSION_MIN_DAYS: Final = 14
#: A rise of at least this many points is "worse": the smallest clinically meaningful change on
#: the PHQ-9 (Loewe et al., 2004). Checked before every other status.
PHQ9_WORSE_RISE: Final = 5
#: The PHQ-9 baseline must be taken at most this many days before the baseline date.
PHQ9_BASELINE_MAX_DAYS: Final = 30
#: Care-team prompts: a PHQ-9 of at least this (the "severe" band) ...
PHQ9_PROMPT_AT: Final = 20
#: ... or a GAD-7 of at least this (the "severe" band).
GAD7_PROMPT_AT: Final = 15
#: PHQ-9 item 9 (thoughts of being better off dead or of self-harm) counts as positive above this.
PHQ9_ITEM9_POSITIVE_ABOVE: Final = 0

# ---------------------------------------------------------------------------------------------
# Structs, as served by GET /api/instruments.
# ---------------------------------------------------------------------------------------------


class AnswerOption(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One choice on an answer scale: the value stored and scored, and its official label."""

    value: Annotated[int, Meta(ge=0, le=3)]
    label: str


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One scored question. `number` is 1-based and matches the answer's position."""

    number: Annotated[int, Meta(ge=1)]
    text: str
    loinc: LoincCode


class DifficultyQuestion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The closing functional-impairment question: asked, stored, never added to the total."""

    text: str
    loinc: LoincCode
    options: tuple[AnswerOption, ...]


class SeverityBand(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A range of totals (inclusive at both ends) with a plain-language meaning for the user."""

    id: str
    label: str
    min_total: int
    max_total: int
    meaning: str


class Instrument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything a client needs to show, score and export one questionnaire."""

    id: InstrumentId
    name: str
    title: str
    stem: str
    items: tuple[Item, ...]
    options: tuple[AnswerOption, ...]
    difficulty: DifficultyQuestion | None
    bands: tuple[SeverityBand, ...]
    max_total: int
    panel_loinc: LoincCode
    total_loinc: LoincCode
    attribution: str


class Score(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The scored result of one completed questionnaire."""

    instrument: InstrumentId
    total: int
    max_total: int
    band: str
    band_label: str
    band_meaning: str
    item9_positive: bool


# ---------------------------------------------------------------------------------------------
# The two instruments.
# ---------------------------------------------------------------------------------------------

ATTRIBUTION: Final = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)

FREQUENCY_OPTIONS: Final = (
    AnswerOption(0, "Not at all"),
    AnswerOption(1, "Several days"),
    AnswerOption(2, "More than half the days"),
    AnswerOption(3, "Nearly every day"),
)

DIFFICULTY_QUESTION: Final = DifficultyQuestion(
    text=(
        "If you checked off any problems, how difficult have these problems made it for you "
        "to do your work, take care of things at home, or get along with other people?"
    ),
    loinc="69722-7",
    options=(
        AnswerOption(0, "Not difficult at all"),
        AnswerOption(1, "Somewhat difficult"),
        AnswerOption(2, "Very difficult"),
        AnswerOption(3, "Extremely difficult"),
    ),
)

_PHQ9_MEANINGS: Final = {
    "minimal": "Few or no signs of depression over the last two weeks.",
    "mild": "Some signs of depression. Worth keeping an eye on and mentioning to your care team.",
    "moderate": (
        "Signs of depression that are probably getting in the way of daily life. "
        "Worth talking through with your care team."
    ),
    "moderately_severe": (
        "Marked signs of depression. Please talk with your care team about how treatment is going."
    ),
    "severe": "Severe signs of depression. Please contact your care team soon.",
}
_GAD7_MEANINGS: Final = {
    "minimal": "Few or no signs of anxiety over the last two weeks.",
    "mild": "Some signs of anxiety. Worth keeping an eye on and mentioning to your care team.",
    "moderate": (
        "Signs of anxiety that are probably getting in the way of daily life. "
        "Worth talking through with your care team."
    ),
    "severe": "Severe signs of anxiety. Please contact your care team soon.",
}


def _bands(
    floors: tuple[tuple[int, str, str], ...], max_total: int, meanings: dict[str, str]
) -> tuple[SeverityBand, ...]:
    """Build contiguous bands from their floors, so a cut-off is written down exactly once."""
    ceilings = [floor - 1 for floor, _, _ in floors[1:]] + [max_total]
    return tuple(
        SeverityBand(band_id, label, floor, ceiling, meanings[band_id])
        for (floor, band_id, label), ceiling in zip(floors, ceilings, strict=True)
    )


PHQ9: Final = Instrument(
    id="phq9",
    name="PHQ-9",
    title="Patient Health Questionnaire (PHQ-9)",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        Item(1, "Little interest or pleasure in doing things", "44250-9"),
        Item(2, "Feeling down, depressed, or hopeless", "44255-8"),
        Item(3, "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
        Item(4, "Feeling tired or having little energy", "44254-1"),
        Item(5, "Poor appetite or overeating", "44251-7"),
        Item(
            6,
            "Feeling bad about yourself \u2014 or that you are a failure or have let yourself "
            "or your family down",
            "44258-2",
        ),
        Item(
            7,
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "44252-5",
        ),
        Item(
            8,
            "Moving or speaking so slowly that other people could have noticed? Or the opposite "
            "\u2014 being so fidgety or restless that you have been moving around a lot more "
            "than usual",
            "44253-3",
        ),
        Item(
            9,
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            "44260-8",
        ),
    ),
    options=FREQUENCY_OPTIONS,
    difficulty=DIFFICULTY_QUESTION,
    bands=_bands(PHQ9_BAND_FLOORS, 27, _PHQ9_MEANINGS),
    max_total=27,
    panel_loinc="44249-1",
    total_loinc="44261-6",
    attribution=ATTRIBUTION,
)

GAD7: Final = Instrument(
    id="gad7",
    name="GAD-7",
    title="Generalized Anxiety Disorder 7-item (GAD-7)",
    # The GAD-7 form's own stem has no "any of" (unlike the PHQ-9's); kept as published.
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        Item(1, "Feeling nervous, anxious or on edge", "69725-0"),
        Item(2, "Not being able to stop or control worrying", "68509-9"),
        Item(3, "Worrying too much about different things", "69733-4"),
        Item(4, "Trouble relaxing", "69734-2"),
        Item(5, "Being so restless that it is hard to sit still", "69735-9"),
        Item(6, "Becoming easily annoyed or irritable", "69689-8"),
        Item(7, "Feeling afraid as if something awful might happen", "69736-7"),
    ),
    options=FREQUENCY_OPTIONS,
    # The GAD-7 form closes with the same question and options as the PHQ-9 (LOINC 69722-7,
    # used by both panels); like the PHQ-9's, it is asked, stored and never scored.
    difficulty=DIFFICULTY_QUESTION,
    bands=_bands(GAD7_BAND_FLOORS, 21, _GAD7_MEANINGS),
    max_total=21,
    panel_loinc="69737-5",
    total_loinc="70274-6",
    attribution=ATTRIBUTION,
)

#: What GET /api/instruments returns, in display order.
INSTRUMENTS: Final = (PHQ9, GAD7)
INSTRUMENTS_BY_ID: Final[dict[str, Instrument]] = {each.id: each for each in INSTRUMENTS}


# ---------------------------------------------------------------------------------------------
# Scoring and change.
# ---------------------------------------------------------------------------------------------


def instrument(instrument_id: str) -> Instrument:
    """Look an instrument up by id; an unknown id is a ValueError naming the known ones."""
    try:
        return INSTRUMENTS_BY_ID[instrument_id]
    except KeyError:
        known = ", ".join(INSTRUMENTS_BY_ID)
        raise ValueError(f"unknown instrument {instrument_id!r} (known: {known})") from None


def severity_band(instrument_id: str, total: int) -> SeverityBand:
    """The band a total falls in; a total outside 0..max_total is a ValueError."""
    found = instrument(instrument_id)
    for band in found.bands:
        if band.min_total <= total <= band.max_total:
            return band
    raise ValueError(f"{found.name} total must be 0 to {found.max_total}, got {total}")


def score(instrument_id: str, answers: Sequence[int]) -> Score:
    """Total, band and item-9 flag for one completed questionnaire.

    The API already validates answers with msgspec; checking again here means a bad import or a
    future caller can never produce a wrong total silently.
    """
    found = instrument(instrument_id)
    if len(answers) != len(found.items):
        raise ValueError(
            f"{found.name} needs exactly {len(found.items)} answers, got {len(answers)}"
        )
    for number, answer in enumerate(answers, start=1):
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= 3:
            raise ValueError(
                f"{found.name} answer {number} must be an integer 0 to 3, got {answer!r}"
            )
    total = sum(answers)
    band = severity_band(instrument_id, total)
    item9_positive = found.id == "phq9" and answers[8] > PHQ9_ITEM9_POSITIVE_ABOVE
    return Score(
        instrument=found.id,
        total=total,
        max_total=found.max_total,
        band=band.id,
        band_label=band.label,
        band_meaning=band.meaning,
        item9_positive=item9_positive,
    )


def relative_drop(baseline: float, latest: float) -> float | None:
    """How far a PHQ-9 fell, as a fraction of the baseline (0.5 = halved).

    None whenever a percentage would mislead: a baseline in the minimal band (a few points'
    movement there is noise), or a score that did not fall (a rise is named in points, never
    as a negative percentage).
    """
    if baseline < PHQ9_REMISSION_BELOW or latest >= baseline:
        return None
    return (baseline - latest) / baseline


def _check_total(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PHQ9.max_total:
        raise ValueError(f"PHQ-9 {name} must be an integer 0 to {PHQ9.max_total}, got {value!r}")


def phq9_change_status(baseline: int, after: Sequence[tuple[date, int]]) -> Phq9Status | None:
    """Classify PHQ-9 change from baseline. ``after``: the (day, total) scores taken after the
    baseline date, oldest first; the last one is the latest. None = no status can be given.

    In this order:
    1. no score after the baseline, or a baseline below PHQ9_REMISSION_BELOW: None (there was
       no depression to respond to, and a few points inside the minimal band are noise);
    2. ``worse``: latest >= baseline + PHQ9_WORSE_RISE (checked before everything else);
    3. latest below PHQ9_REMISSION_BELOW: ``remission`` when an earlier score after the baseline,
       at least PHQ9_REMISSION_MIN_DAYS days before the latest, is also below it and every score
       between them is too; otherwise ``minimal`` (one low score is not yet remission);
    4. ``response`` for a drop of at least RESPONSE_DROP of the baseline, ``partial`` for at
       least PARTIAL_DROP, else ``none``. Compared as ``points fallen >= fraction * baseline``:
       with 0.5 and 0.25 the product is exact in binary, so 10 -> 5 is exactly a response.
    """
    _check_total("baseline", baseline)
    for _, total in after:
        _check_total("score", total)
    if not after or baseline < PHQ9_REMISSION_BELOW:
        return None
    latest_day, latest = after[-1]
    if latest >= baseline + PHQ9_WORSE_RISE:
        return "worse"
    if latest < PHQ9_REMISSION_BELOW:
        for day, total in reversed(after[:-1]):
            if total >= PHQ9_REMISSION_BELOW:
                break
            if (latest_day - day).days >= PHQ9_REMISSION_MIN_DAYS:
                return "remission"
        return "minimal"
    points_fallen = baseline - latest
    if points_fallen >= RESPONSE_DROP * baseline:
        return "response"
    if points_fallen >= PARTIAL_DROP * baseline:
        return "partial"
    return "none"


def describe_phq9_change(baseline: int, latest: int) -> str:
    """The change in words every surface uses: "+14 points", "-5 points (50 % lower)".

    A rise is always in points (never a negative percentage); a percentage appears only for a
    fall from a baseline of PHQ9_REMISSION_BELOW or more.
    """
    change = latest - baseline
    if change == 0:
        text = "no change (0 points)"
    else:
        text = f"{change:+d} point{'' if abs(change) == 1 else 's'}"
    if baseline < PHQ9_REMISSION_BELOW:
        return f"{text}; started in the minimal range, so no percentage or status"
    drop = relative_drop(baseline, latest)
    # Whole percent, rounded down, so a 49.9 % fall can never read as the 50 % of a response.
    return text if drop is None else f"{text} ({int(drop * 100)} % lower)"
