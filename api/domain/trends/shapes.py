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
#: Baseline mood is the mean of daily moods over this many days before the baseline date.
BASELINE_WINDOW_DAYS: Final = 14
PLATEAU_WINDOW_DAYS: Final = 21
PLATEAU_MIN_DAYS_LOGGED: Final = 14
PLATEAU_MAX_CHANGE: Final = 0.5
PLATEAU_MAX_ABOVE_BASELINE: Final = 2.0
#: Days of entries before `start` the series needs: a plateau window's first 7-day average.
HISTORY_DAYS: Final = PLATEAU_WINDOW_DAYS - 1 + ROLLING_WINDOW_DAYS - 1

PLATEAU_RULE: Final = (
    f"Plateau: over the {PLATEAU_WINDOW_DAYS} days ending on the latest day with a 7-day average "
    f"(all of them after the baseline date, with check-ins on at least {PLATEAU_MIN_DAYS_LOGGED} "
    f"of them), the 7-day average moved by less than {PLATEAU_MAX_CHANGE} points between the "
    f"first and the last of those days, and it is still less than {PLATEAU_MAX_ABOVE_BASELINE:g} "
    "points above the baseline mood: improvement has stalled."
)

BaselineSource = Literal["first_treatment", "user"]
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
    """How long the 7-day mood average stayed above baseline after one done treatment.

    `days_above` counts the days after the treatment before the first day whose 7-day average
    is at or below the baseline mood. Counting stops at the next done treatment (otherwise the
    first infusion of a series would take the credit for all the others): then
    `reached_next_treatment` is true and `days_above` is a lower bound. When the average is
    still above on the last day with a check-in, `still_above` is true. When nothing can be
    measured, `days_above` is None and `reason` says why.
    """

    treatment_id: str
    day: date
    days_above: int | None
    still_above: bool
    reached_next_treatment: bool
    reason: str | None


class Summary(msgspec.Struct, frozen=True, omit_defaults=False):
    """Baseline against now, response status, lifts, plateau and logging adherence.

    Changes (`mood_change`, `phq9_change`, `phq9_status`) are given only when the latest value
    comes from after the baseline date; otherwise there is nothing yet to compare.
    `adherence` counts the period's days up to `today` only: future days cannot be logged.
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


class Trends(msgspec.Struct, frozen=True, omit_defaults=False):
    """Everything GET /api/trends returns for the period start..end (inclusive)."""

    start: date
    end: date
    days: list[DayPoint]
    treatments: list[Marker]
    assessments: list[AssessmentMarker]
    summary: Summary
