"""PHQ-9 and GAD-7: their official wording and codes, scoring, and response thresholds.

Everything here is pure data or a pure function, so scoring is tested without HTTP and every
other module (assessments, trends, exports) reads the same wording, codes and cut-offs.

The item wording is the Pfizer form's, unaltered (the instruments are only valid as written).
LOINC codes were checked item by item against published FHIR Questionnaires for the panels
44249-1 (PHQ-9) and 69737-5 (GAD-7).
"""

from collections.abc import Sequence
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

InstrumentId = Literal["phq9", "gad7"]
Phq9Status = Literal["remission", "response", "partial", "none"]

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
#: A PHQ-9 total below this is remission (it is also the floor of the "mild" band).
PHQ9_REMISSION_BELOW: Final = 5
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
    difficulty=None,
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
    """How far a score fell, as a fraction of the baseline (0.5 = halved; negative = rose).

    None when the baseline is zero or less: a fall from nothing has no meaningful proportion.
    """
    if baseline <= 0:
        return None
    return (baseline - latest) / baseline


def phq9_status(baseline: int, latest: int) -> Phq9Status:
    """Classify PHQ-9 change from baseline: remission, response, partial response or none.

    Remission (latest below PHQ9_REMISSION_BELOW) is checked first: 10 -> 4 is remission rather
    than response, and 6 -> 4 is remission although it is only a 33 % drop.

    A baseline below PHQ9_REMISSION_BELOW (the minimal band) always gives "none": there was no
    depression to respond to or remit from, and a few points' movement inside the minimal band
    (say 4 -> 1, a "75 % drop") is noise, not a treatment response.

    The drop is compared as `points fallen >= fraction * baseline`; with the fractions 0.5 and
    0.25 that product is exact in binary floating point, so 10 -> 5 is exactly a response and
    12 -> 9 exactly a partial response.
    """
    for name, value in (("baseline", baseline), ("latest", latest)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= PHQ9.max_total
        ):
            raise ValueError(
                f"PHQ-9 {name} must be an integer 0 to {PHQ9.max_total}, got {value!r}"
            )
    if baseline < PHQ9_REMISSION_BELOW:
        return "none"
    if latest < PHQ9_REMISSION_BELOW:
        return "remission"
    points_fallen = baseline - latest
    if points_fallen >= RESPONSE_DROP * baseline:
        return "response"
    if points_fallen >= PARTIAL_DROP * baseline:
        return "partial"
    return "none"
