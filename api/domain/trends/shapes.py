"""The shapes of the trend maths (inputs built by storage, outputs sent as JSON) and its rules."""

from datetime import date, datetime
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from api.domain import instruments

#: The 7-day average of a day covers that day and the 6 before it ...
ROLLING_WINDOW_DAYS: Final = 7
#: ... and exists only when at least this many of those days have a check-in.
ROLLING_MIN_DAYS: Final = 4
#: Baseline mood is the mean of daily moods over this many days before the baseline date ...
BASELINE_WINDOW_DAYS: Final = 14
#: ... and is too thin to measure anything against with fewer logged days than this.
BASELINE_MIN_DAYS: Final = 7
#: A lift ends at the first of this many consecutive logged days at or below baseline ...
LIFT_LOW_RUN: Final = 2
#: ... and cannot be measured across more than this many missing days in a row.
LIFT_MAX_GAP_DAYS: Final = 3
#: Mood status: the latest 7-day mean at least this far above (below) baseline is better (worse).
MOOD_STATUS_POINTS: Final = 1.0
#: An improvement counts as reached once the 7-day mean is this far above baseline.
IMPROVEMENT_POINTS: Final = 2.0
PLATEAU_WINDOW_DAYS: Final = 21
PLATEAU_MIN_DAYS_LOGGED: Final = 14
PLATEAU_MAX_CHANGE: Final = 0.5
#: Care-team prompt: a 7-day mood mean at or below this.
MOOD_PROMPT_AT: Final = 2.0
#: Days of entries before `start` the series needs: a plateau window's first 7-day average.
HISTORY_DAYS: Final = PLATEAU_WINDOW_DAYS - 1 + ROLLING_WINDOW_DAYS - 1

PLATEAU_RULE: Final = (
    f"Plateau: the 7-day mood mean has been at least {IMPROVEMENT_POINTS:g} points above the "
    f"baseline at some point since the baseline date, and over the {PLATEAU_WINDOW_DAYS} days "
    f"ending on the latest day with a 7-day mean (all after the baseline date, with check-ins "
    f"on at least {PLATEAU_MIN_DAYS_LOGGED} of them) it moved by less than "
    f"{PLATEAU_MAX_CHANGE:g} points between its highest and lowest value. "
    f"Not improving: at least {PLATEAU_WINDOW_DAYS} days after the baseline date, with "
    f"check-ins on at least {PLATEAU_MIN_DAYS_LOGGED} of those days, the 7-day mean has never "
    f"been {IMPROVEMENT_POINTS:g} or more points above the baseline. Neither is claimed "
    f"without a baseline of at least {BASELINE_MIN_DAYS} logged days."
)

BaselineSource = Literal["first_treatment", "user"]
#: ok: enough logged days; too_thin: fewer than BASELINE_MIN_DAYS; none: no baseline date yet.
BaselineQuality = Literal["ok", "too_thin", "none"]
MoodStatus = Literal["better", "about the same", "worse"]
ProgressState = Literal["plateau", "not_improving"]
ZeroToTen = Annotated[int, Meta(ge=0, le=10)]


class EntryPoint(msgspec.Struct, frozen=True):
    """One daily check-in, as the trend maths needs it.

    Unknown fields are allowed so that a stored entry (with its tags and note) decodes straight
    into this shape, skipping what the maths does not need.
    """

    day: date
    mood: ZeroToTen
    anxiety: ZeroToTen | None = None
    energy: ZeroToTen | None = None
    sleep_hours: Annotated[float, Meta(ge=0, le=24)] | None = None


class TreatmentPoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One treatment; `at` must be time-zone aware. `status` is planned, done or cancelled."""

    id: str
    at: datetime
    kind: str
    status: str
    dose_mg: float | None = None


class AssessmentPoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One scored questionnaire; `taken_at` must be time-zone aware."""

    id: str
    instrument: str
    taken_at: datetime
    total: int
    band: str
    flagged: bool = False


class DayPoint(msgspec.Struct, frozen=True, omit_defaults=False):
    """One calendar day. Values are means of that day's check-ins; None (never 0) when unknown."""

    day: date
    mood: float | None
    anxiety: float | None
    energy: float | None
    sleep_hours: float | None
    checkins: int
    mood_7d: float | None


class Marker(msgspec.Struct, frozen=True, omit_defaults=False):
    """A treatment placed on the chart; `day` is its local calendar day."""

    id: str
    at: datetime
    day: date
    kind: str
    status: str
    dose_mg: float | None


class AssessmentMarker(msgspec.Struct, frozen=True, omit_defaults=False):
    """A questionnaire placed on the chart; `day` is its local calendar day."""

    id: str
    instrument: str
    taken_at: datetime
    day: date
    total: int
    band: str
    flagged: bool


class Lift(msgspec.Struct, frozen=True, omit_defaults=False):
    """How long daily mood stayed above baseline after one done treatment.

    The lift ends at the first of LIFT_LOW_RUN consecutive logged days whose daily mean is at or
    below the baseline mood; `days_above` is the number of days from the treatment to the last
    logged day above baseline before that (a day without a check-in neither ends nor extends
    it). Counting stops at the next done treatment (otherwise the first infusion of a series
    would take the credit for all the others): then `reached_next_treatment` is true and
    `days_above` is a lower bound. When mood is still above on the last day with a check-in,
    `still_above` is true. When nothing can be measured (no baseline, a thin baseline, more
    than LIFT_MAX_GAP_DAYS missing days in a row), `days_above` is None and `reason` says why.
    """

    treatment_id: str
    day: date
    days_above: int | None
    still_above: bool
    reached_next_treatment: bool
    reason: str | None


class Prompt(msgspec.Struct, frozen=True):
    """A calm care-team card: which rule fired (`code`) and a message that says why."""

    code: str
    message: str


class Summary(msgspec.Struct, frozen=True, omit_defaults=False):
    """Baseline against now, response status, lifts, plateau and check-in days.

    Changes (`mood_change`, `phq9_change`, `phq9_status`) are given only when the latest value
    comes from after the baseline date; otherwise there is nothing yet to compare. Mood changes
    need a baseline of BASELINE_MIN_DAYS logged days. `days_in_period` counts the period's days
    from the first check-in ever (or `start`, if later) up to `today` or `end`.
    """

    baseline_date: date | None
    baseline_source: BaselineSource | None
    baseline_mood: float | None
    baseline_mood_days: int
    baseline_phq9: int | None
    baseline_phq9_date: date | None
    latest_mood_7d: float | None
    latest_mood_7d_date: date | None
    latest_phq9: int | None
    latest_phq9_date: date | None
    mood_change: float | None
    phq9_change: int | None
    phq9_relative_drop: float | None
    phq9_status: instruments.Phq9Status | None
    last_treatment_date: date | None
    days_since_last_treatment: int | None
    lifts: list[Lift]
    plateau: bool
    plateau_rule: str
    adherence: float
    days_logged: int
    days_in_period: int
    crisis_flags: int
    baseline_quality: BaselineQuality = "none"
    baseline_text: str = ""
    mood_status: MoodStatus | None = None
    mood_status_text: str = ""
    phq9_change_text: str | None = None
    phq9_status_text: str = ""
    progress: ProgressState | None = None
    progress_text: str | None = None
    progress_text_clinician: str | None = None
    first_checkin_date: date | None = None
    prompts: list[Prompt] = msgspec.field(default_factory=list)


class Trends(msgspec.Struct, frozen=True, omit_defaults=False):
    """Everything GET /api/trends returns for the period start..end (inclusive)."""

    start: date
    end: date
    days: list[DayPoint]
    treatments: list[Marker]
    assessments: list[AssessmentMarker]
    summary: Summary
