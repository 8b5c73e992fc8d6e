"""The demo story shows every rule: a usable baseline, lifts, a booster after a dip, a response."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from api import demo
from api.domain import instruments
from api.domain.kinds import AssessmentOut, TreatmentOut
from api.domain.report import render_report
from api.domain.trends import AssessmentPoint, EntryPoint, TreatmentPoint, Trends, compute_trends

TODAY = date(2026, 12, 1)  # the story starts in August: daylight saving ends on its way
TZ = ZoneInfo(demo.TIMEZONE)


def story() -> tuple[Trends, list[TreatmentOut], list[AssessmentOut]]:
    entries, treatments, assessments = demo.build(TODAY)
    outs = [
        TreatmentOut(**{f: getattr(t, f) for f in t.__struct_fields__ if f != "base_version"},
                     id=f"t{n}")
        for n, t in enumerate(treatments)
    ]  # fmt: skip
    scored = []
    for n, a in enumerate(assessments):
        result = instruments.score(a.instrument, a.answers)
        scored.append(
            AssessmentOut(
                instrument=a.instrument, answers=a.answers, difficulty=a.difficulty,
                taken_at=a.taken_at, total=result.total, band=result.band, id=f"a{n}",
                flagged=result.item9_positive,
            )
        )  # fmt: skip
    trends = compute_trends(
        [EntryPoint(e.day, e.mood) for e in entries],
        [TreatmentPoint(t.id, t.at, t.kind, t.status, t.dose_mg) for t in outs],
        [AssessmentPoint(a.id, a.instrument, a.taken_at, a.total, a.band) for a in scored],
        start=TODAY - timedelta(days=demo.DAYS - 1),
        end=TODAY,
        tz=TZ,
        today=TODAY,
    )
    return trends, outs, scored


def test_the_demo_uses_the_zones_real_rules() -> None:
    _, treatments, _ = story()
    offsets = {t.at.utcoffset() for t in treatments}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}  # EDT, then EST
    assert all(t.at.astimezone(TZ).hour == 10 for t in treatments)


def test_the_demo_shows_every_rule() -> None:
    trends, treatments, _ = story()
    s = trends.summary
    assert s.baseline_quality == "ok"
    assert s.baseline_mood_days == 14
    assert (s.baseline_phq9, s.latest_phq9, s.phq9_status) == (17, 8, "response")
    assert s.phq9_change_text == "-9 points (52 % lower)"
    assert s.mood_status == "better"
    lifts = {lift.treatment_id: lift for lift in s.lifts}
    induction = [lifts[f"t{n}"] for n in range(len(demo.INDUCTION))]
    assert all(lift.reached_next_treatment for lift in induction[:-1])
    last = induction[-1]  # the lift of the last infusion ended in the dip, before the booster
    assert last.days_above is not None
    assert not last.reached_next_treatment
    booster = lifts[f"t{len(demo.INDUCTION)}"]
    assert booster.day == TODAY - timedelta(days=demo.DAYS - 1 - demo.BOOSTERS[0])
    assert booster.days_above is not None
    assert booster.reached_next_treatment
    assert all(t.bp_before is not None and t.bp_after is not None for t in treatments[:-1])


def test_the_demo_report_reads_right() -> None:
    trends, treatments, assessments = story()
    pdf = render_report(
        patient="Demo Patient",
        patient_reference=demo.PATIENT_REFERENCE,
        trends=trends,
        treatments=treatments,
        assessments=assessments,
        upcoming=[t for t in treatments if t.status == "planned"],
        generated=TODAY,
        tz=TZ,
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Response: the PHQ-9 is at least 50 % lower than at baseline." in text
    assert "->" in text
    assert "mmHg" not in text
    assert "(next planned session, after the period)" in text
    assert "0 (not at all) on all 9 PHQ-9s in the period" in text
