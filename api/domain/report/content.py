"""What the clinician sees, as plain data: the PDF draws it and the clinician link returns it.

Pure: from a period's ``Trends``, its treatments and assessments, and the planned sessions after
it, build the rows and sentences once, so the PDF and the link can never disagree. Every status
word comes from ``api.trends.words``.

Scope: everything is limited to the period (``trends.start`` .. ``trends.end``); the one date
that may lie after ``end`` is the next planned session(s), always labelled as such. A session or
score done after ``end`` is never shown (the caller passes only the period's records, and these
functions drop anything outside it again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import msgspec

from api.domain import instruments
from api.domain.kinds import AssessmentOut, BloodPressure, TreatmentOut
from api.domain.trends import Lift, Trends, local_day, words

NEXT_PLANNED_SHOWN: Final = 2
KIND_LABELS: Final = {
    "iv_infusion": "IV infusion",
    "esketamine_nasal": "Esketamine nasal spray",
    "im_injection": "IM injection",
    "oral": "Oral",
    "other": "Other",
}


class SessionRow(msgspec.Struct, frozen=True):
    """One done session in the period, with its blood pressure and how long its lift lasted."""

    treatment_id: str
    day: date
    kind: str
    dose: str
    blood_pressure: str
    side_effects: str
    lift: str


class ScoreRow(msgspec.Struct, frozen=True):
    """A row of the scores table: the baseline, best and latest score of one instrument."""

    row: str
    instrument: str
    day: date
    total: int
    max_total: int
    band: str


class Item9Answer(msgspec.Struct, frozen=True):
    """PHQ-9 question 9 (thoughts of being better off dead or of self-harm), 0-3."""

    day: date
    answer: int


class PlannedSession(msgspec.Struct, frozen=True):
    """A session planned after the period's end: the one date after `to` that is ever shown."""

    at: datetime
    day: date
    kind: str


class Line(msgspec.Struct, frozen=True):
    label: str
    text: str


class ReportContent(msgspec.Struct, frozen=True):
    lines: list[Line]
    scores: list[ScoreRow]
    item9: list[Item9Answer]
    sessions: list[SessionRow]
    next_planned: list[PlannedSession]


def pressure(before: BloodPressure | None, after: BloodPressure | None) -> str:
    """``128/82 → 162/98``; a missing reading is "?", and none at all is ""."""
    if before is None and after is None:
        return ""

    def one(value: BloodPressure | None) -> str:
        return "?" if value is None else f"{value.systolic}/{value.diastolic}"

    return f"{one(before)} \u2192 {one(after)}"


def session_rows(trends: Trends, treatments: Sequence[TreatmentOut]) -> list[SessionRow]:
    by_id = {t.id: t for t in treatments}
    lifts: dict[str, Lift] = {lift.treatment_id: lift for lift in trends.summary.lifts}
    rows = []
    for marker in trends.treatments:
        if marker.status != "done" or not trends.start <= marker.day <= trends.end:
            continue
        full = by_id.get(marker.id)
        lift = lifts.get(marker.id)
        rows.append(
            SessionRow(
                treatment_id=marker.id,
                day=marker.day,
                kind=KIND_LABELS.get(marker.kind, marker.kind),
                dose="" if marker.dose_mg is None else f"{marker.dose_mg:g} mg",
                blood_pressure="" if full is None else pressure(full.bp_before, full.bp_after),
                side_effects="" if full is None else "; ".join(full.side_effects),
                lift=""
                if lift is None
                else words.lift_text(
                    lift.days_above, lift.still_above, lift.reached_next_treatment, lift.reason
                ),
            )
        )
    return rows


def score_rows(trends: Trends) -> list[ScoreRow]:
    """Baseline (PHQ-9 only), best and latest score in the period, per instrument."""
    rows: list[ScoreRow] = []
    s = trends.summary
    for instrument_id in ("phq9", "gad7"):
        spec = instruments.instrument(instrument_id)
        found = [a for a in trends.assessments if a.instrument == instrument_id]
        picked: list[tuple[str, date, int]] = []
        if instrument_id == "phq9" and s.baseline_phq9 is not None and s.baseline_phq9_date:
            picked.append(("Baseline", s.baseline_phq9_date, s.baseline_phq9))
        if found:
            best = min(found, key=lambda a: (a.total, a.taken_at))
            picked.append(("Best", best.day, best.total))
            picked.append(("Latest", found[-1].day, found[-1].total))
        for row, day, total in picked:
            band = instruments.severity_band(instrument_id, total).label
            rows.append(ScoreRow(row, spec.name, day, total, spec.max_total, band))
    return rows


def item9_answers(
    trends: Trends, assessments: Sequence[AssessmentOut], tz: ZoneInfo
) -> list[Item9Answer]:
    found = []
    for each in sorted(assessments, key=lambda a: a.taken_at):
        day = local_day(each.taken_at, tz)
        if (
            each.instrument == "phq9"
            and len(each.answers) == 9
            and trends.start <= day <= trends.end
        ):
            found.append(Item9Answer(day, each.answers[8]))
    return found


def item9_text(answers: Sequence[Item9Answer]) -> str:
    if not answers:
        return "no PHQ-9 in this period"
    above = [a for a in answers if a.answer > instruments.PHQ9_ITEM9_POSITIVE_ABOVE]
    if not above:
        if len(answers) == 1:
            return "0 (not at all) on the one PHQ-9 in the period"
        return f"0 (not at all) on all {len(answers)} PHQ-9s in the period"
    listed = ", ".join(f"{a.answer} on {a.day.isoformat()}" for a in reversed(above))
    return f"above 0 on {len(above)} of {len(answers)} PHQ-9s: {listed}"


def planned_after(
    treatments: Sequence[TreatmentOut], after: date, tz: ZoneInfo
) -> list[PlannedSession]:
    """The next planned sessions on a day after ``after`` (done or cancelled ones are never
    shown), at most NEXT_PLANNED_SHOWN."""
    later = sorted(
        (t for t in treatments if t.status == "planned" and local_day(t.at, tz) > after),
        key=lambda t: t.at,
    )
    return [
        PlannedSession(t.at, local_day(t.at, tz), KIND_LABELS.get(t.kind, t.kind))
        for t in later[:NEXT_PLANNED_SHOWN]
    ]


def summary_lines(
    trends: Trends, item9: Sequence[Item9Answer], next_planned: Sequence[PlannedSession]
) -> list[Line]:
    s = trends.summary
    baseline = words.baseline_text(s.baseline_quality, s.baseline_mood, s.baseline_mood_days)
    if s.baseline_date is not None:
        source = "first treatment" if s.baseline_source == "first_treatment" else "set by patient"
        baseline = f"{s.baseline_date.isoformat()} ({source}). {baseline}"
        if s.baseline_phq9 is not None and s.baseline_phq9_date is not None:
            baseline += f" PHQ-9 {s.baseline_phq9} on {s.baseline_phq9_date.isoformat()}."
    latest = []
    if s.latest_mood_7d is not None and s.latest_mood_7d_date is not None:
        mood = f"7-day mood {s.latest_mood_7d:.1f} on {s.latest_mood_7d_date.isoformat()}"
        if s.mood_change is not None:
            mood += f" ({s.mood_change:+.1f} points)"
        latest.append(mood)
    if s.latest_phq9 is not None and s.latest_phq9_date is not None:
        phq9 = f"PHQ-9 {s.latest_phq9} on {s.latest_phq9_date.isoformat()}"
        if s.phq9_change_text is not None:
            phq9 += f" ({s.phq9_change_text})"
        latest.append(phq9)
    progress = s.progress_text_clinician or (
        "no plateau or not-improving rule applies"
        if s.baseline_quality == "ok"
        else "not assessed: no usable mood baseline"
    )
    checkins = "no check-ins yet"
    if s.days_in_period and s.first_checkin_date is not None:
        counted = max(s.first_checkin_date, trends.start)
        checkins = (
            f"check-ins on {s.days_logged} of {s.days_in_period} days from "
            f"{counted.isoformat()} ({s.adherence:.0%})"
        )
    prompts = "; ".join(words.PROMPT_LABELS.get(p.code, p.code) for p in s.prompts) or "none"
    upcoming = "none planned"
    if next_planned:
        upcoming = "; ".join(f"{p.day.isoformat()} {p.kind}" for p in next_planned)
        after = all(p.day > trends.end for p in next_planned)
        upcoming += " (next planned session, after the period)" if after else " (next planned)"
    return [
        Line("Baseline", baseline),
        Line("Latest", "; ".join(latest) or "no data yet"),
        Line("PHQ-9 status", s.phq9_status_text),
        Line("Mood status", s.mood_status_text),
        Line("Progress", progress),
        Line("PHQ-9 item 9", item9_text(item9)),
        Line("Check-in days", checkins),
        Line("Care prompts", prompts),
        Line("Next session", upcoming),
    ]


def report_content(
    trends: Trends,
    treatments: Sequence[TreatmentOut],
    assessments: Sequence[AssessmentOut],
    upcoming: Sequence[TreatmentOut],
    tz: ZoneInfo,
    today: date | None = None,
) -> ReportContent:
    """Everything the report and the clinician link show besides the charts.

    The next planned sessions are those after the period's end, or, when the period runs past
    ``today``, those from today on (inside the period or after it).
    """
    item9 = item9_answers(trends, assessments, tz)
    after = trends.end
    if today is not None and today <= trends.end:
        after = today - timedelta(days=1)
    next_planned = planned_after([*treatments, *upcoming], after, tz)
    return ReportContent(
        lines=summary_lines(trends, item9, next_planned),
        scores=score_rows(trends),
        item9=item9,
        sessions=session_rows(trends, treatments),
        next_planned=next_planned,
    )
