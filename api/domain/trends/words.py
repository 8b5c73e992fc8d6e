"""Every sentence Waypoint says about progress, in one place.

The API (`summary.*_text`, `prompts`), the PDF and the clinician link all take their words from
here, so a status reads the same everywhere. Each sentence states the rule behind it, with its
threshold, so a clinician can check it. Pure: plain values in, strings out.
"""

from __future__ import annotations

from typing import Final

from api.domain import instruments
from api.domain.instruments import Phq9Status
from api.domain.trends.shapes import (
    BASELINE_MIN_DAYS,
    BASELINE_WINDOW_DAYS,
    IMPROVEMENT_POINTS,
    MOOD_PROMPT_AT,
    MOOD_STATUS_POINTS,
    PLATEAU_MAX_CHANGE,
    PLATEAU_WINDOW_DAYS,
    BaselineQuality,
    MoodStatus,
    ProgressState,
    Prompt,
)

_RESPONSE = f"{instruments.RESPONSE_DROP:.0%}".replace("%", " %")
_PARTIAL = f"{instruments.PARTIAL_DROP:.0%}".replace("%", " %")
_PARTIAL_TOP = f"{instruments.RESPONSE_DROP * 100 - 1:.0f} %"
_LOW = instruments.PHQ9_REMISSION_BELOW

PHQ9_STATUS_WORDS: Final[dict[Phq9Status, str]] = {
    "worse": (
        f"Worse: the latest PHQ-9 is {instruments.PHQ9_WORSE_RISE} or more points higher "
        "than at baseline."
    ),
    "remission": (
        f"Remission: PHQ-9 below {_LOW} on two scores at least "
        f"{instruments.PHQ9_REMISSION_MIN_DAYS} days apart, with none of {_LOW} or more between."
    ),
    "minimal": (
        f"Minimal: the latest PHQ-9 is below {_LOW}; remission needs a second score below {_LOW} "
        f"at least {instruments.PHQ9_REMISSION_MIN_DAYS} days apart."
    ),
    "response": f"Response: the PHQ-9 is at least {_RESPONSE} lower than at baseline.",
    "partial": (
        f"Partial response: the PHQ-9 is {_PARTIAL} to {_PARTIAL_TOP} lower than at baseline."
    ),
    "none": (
        f"No response yet: the PHQ-9 is less than {_PARTIAL} lower than at baseline "
        f"(and not {instruments.PHQ9_WORSE_RISE} or more points higher)."
    ),
}
PHQ9_MINIMAL_BASELINE: Final = (
    f"Not classified: the baseline PHQ-9 was in the minimal range (below {_LOW}), so there is "
    "no response or remission to measure and no percentage is given."
)
PHQ9_NOT_ENOUGH: Final = (
    "Not enough data: a status needs a PHQ-9 in the "
    f"{instruments.PHQ9_BASELINE_MAX_DAYS} days up to the baseline date and one after it."
)
MOOD_STATUS_WORDS: Final[dict[MoodStatus, str]] = {
    "better": (
        f"Mood better: the latest 7-day mean is at least {MOOD_STATUS_POINTS:g} point above "
        "the baseline mood."
    ),
    "about the same": (
        f"Mood about the same: the latest 7-day mean is within {MOOD_STATUS_POINTS:g} point "
        "of the baseline mood."
    ),
    "worse": (
        f"Mood worse: the latest 7-day mean is at least {MOOD_STATUS_POINTS:g} point below "
        "the baseline mood."
    ),
}
MOOD_NOT_ENOUGH: Final = (
    "Not enough data for a mood status: it needs a baseline of at least "
    f"{BASELINE_MIN_DAYS} logged days and a 7-day mean after the baseline date."
)
#: (for the patient, for the clinician)
PROGRESS_WORDS: Final[dict[ProgressState, tuple[str, str]]] = {
    "plateau": (
        f"Your mood improved by {IMPROVEMENT_POINTS:g} points or more after treatment began and "
        f"has stayed about level for the last {PLATEAU_WINDOW_DAYS // 7} weeks. This can be "
        "worth raising with your clinic.",
        f"Plateau: the 7-day mean reached {IMPROVEMENT_POINTS:g}+ points above baseline, then "
        f"moved less than {PLATEAU_MAX_CHANGE:g} over the last {PLATEAU_WINDOW_DAYS} days.",
    ),
    "not_improving": (
        f"In the {PLATEAU_WINDOW_DAYS // 7} weeks or more since treatment began, your 7-day mood "
        f"has not been {IMPROVEMENT_POINTS:g} points above your baseline. This is worth talking "
        "about with your clinic.",
        f"Not improving: {PLATEAU_WINDOW_DAYS}+ days after baseline, the 7-day mean has never "
        f"been {IMPROVEMENT_POINTS:g} or more points above baseline.",
    ),
}


def phq9_status_text(status: Phq9Status | None, baseline: int | None) -> str:
    """The status sentence, or why there is none."""
    if status is not None:
        return PHQ9_STATUS_WORDS[status]
    if baseline is not None and baseline < _LOW:
        return PHQ9_MINIMAL_BASELINE
    return PHQ9_NOT_ENOUGH


def baseline_text(quality: BaselineQuality, mood: float | None, days: int) -> str:
    if quality == "none":
        return (
            "No baseline yet: it is the mean mood of the "
            f"{BASELINE_WINDOW_DAYS} days before the first done treatment (or a chosen date)."
        )
    if quality == "too_thin" or mood is None:
        return (
            f"Baseline too thin: check-ins on {days} of the {BASELINE_WINDOW_DAYS} days before "
            f"the baseline date (needs {BASELINE_MIN_DAYS}), so no lift, plateau or mood status "
            "is claimed."
        )
    return (
        f"Baseline mood {mood:.1f}: the mean of {days} logged days of the "
        f"{BASELINE_WINDOW_DAYS} before the baseline date."
    )


def _phone(clinic_phone: str) -> str:
    if clinic_phone:
        return f" Your clinic's number: {clinic_phone}."
    return " You can add your clinic's phone number under Account so it shows here."


def prompt(code: str, clinic_phone: str, **value: float) -> Prompt:
    """A care-team card: what was seen, the rule that made it appear, and whom to tell."""
    if code == "phq9_severe":
        text = (
            f"your PHQ-9 score is {value['total']:g}, in the severe range "
            f"({instruments.PHQ9_PROMPT_AT} or more)."
        )
    elif code == "phq9_rise":
        since = "your previous one" if value.get("previous") else "at your baseline"
        text = (
            f"your PHQ-9 score is {value['points']:g} points higher than {since} "
            f"(a rise of {instruments.PHQ9_WORSE_RISE} or more is a meaningful change)."
        )
    elif code == "gad7_severe":
        text = (
            f"your GAD-7 score is {value['total']:g}, in the severe range "
            f"({instruments.GAD7_PROMPT_AT} or more)."
        )
    elif code == "mood_low":
        text = (
            f"your mood over the last 7 days averages {value['mean']:.1f} out of 10 "
            f"({MOOD_PROMPT_AT:g} or lower)."
        )
    elif code == "mood_worse":
        text = (
            f"your 7-day mood average is {value['points']:.1f} points below your baseline "
            f"({MOOD_STATUS_POINTS:g} point or more)."
        )
    else:
        raise ValueError(f"unknown prompt code {code!r}")
    return Prompt(
        code,
        f"This note appears because {text} It may help to tell your care team how you have "
        f"been.{_phone(clinic_phone)}",
    )


#: Short names of the care-team prompts, for the clinician's report and link.
PROMPT_LABELS: Final = {
    "phq9_severe": f"PHQ-9 of {instruments.PHQ9_PROMPT_AT} or more",
    "phq9_rise": f"PHQ-9 up {instruments.PHQ9_WORSE_RISE}+ points",
    "gad7_severe": f"GAD-7 of {instruments.GAD7_PROMPT_AT} or more",
    "mood_low": f"7-day mood mean {MOOD_PROMPT_AT:g} or lower",
    "mood_worse": f"7-day mood {MOOD_STATUS_POINTS:g}+ point below baseline",
}


def lift_text(
    days_above: int | None, still_above: bool, reached_next: bool, reason: str | None
) -> str:
    """One session's durability in words (see `Lift` for the rule)."""
    if days_above is None:
        return f"not measured: {reason}" if reason else "not measured"
    unit = "day" if days_above == 1 else "days"
    if reached_next:
        return f"{days_above}+ {unit}, until the next session"
    if still_above:
        return f"{days_above}+ {unit}, still above baseline"
    return f"{days_above} {unit} above baseline"
