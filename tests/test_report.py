"""The one-page clinician PDF: what a clinician reads on it, that it stays one page, the chart."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from api.app import create_app
from api.domain.kinds import TreatmentOut
from api.domain.report import chart_box, latin1, render_report
from api.domain.trends import AssessmentPoint, EntryPoint, TreatmentPoint, Trends, compute_trends
from api.settings import Settings
from tests.helpers import new_id, register

Client = AsyncTestClient[Litestar]
TZ = ZoneInfo("Europe/Paris")
END = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, clock=lambda: NOW)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def treatment(day: date, status: str = "done", effects: list[str] | None = None) -> TreatmentOut:
    return TreatmentOut(
        id=new_id(),
        at=at(day),
        kind="iv_infusion",
        status=status,  # type: ignore[arg-type]
        dose_mg=35.0,
        side_effects=effects or ["dissociation", "nausea"],
    )


def build(
    days: int,
    treatments: list[TreatmentOut],
    phq9: list[tuple[date, int, bool]],
    logged: bool = True,
) -> Trends:
    start = END - (days - 1) * DAY
    entries = (
        [
            EntryPoint(day=start - 30 * DAY + n * DAY, mood=3 + (n % 5) // 2 + n * 4 // (days + 30))
            for n in range(days + 30)
            if n % 9 != 4  # a gap every 9 days
        ]
        if logged
        else []
    )
    points = [TreatmentPoint(t.id, t.at, t.kind, t.status, t.dose_mg) for t in treatments]
    assessments = [
        AssessmentPoint(new_id(), "phq9", at(day, 9), total, "band", flagged)
        for day, total, flagged in phq9
    ]
    return compute_trends(
        entries, points, assessments, start=start, end=END, tz=TZ, today=END
    )  # fmt: skip


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def chart_ink(pdf: bytes, paper: str = "A4") -> int:
    """Non-white pixels inside the chart's plotting area (rendered at 2 px per point)."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil().convert("L")
    px_per_mm = 2 * 72 / 25.4
    x, y, width, height = chart_box(paper)  # type: ignore[arg-type]
    box = (x * px_per_mm, y * px_per_mm, (x + width) * px_per_mm, (y + height) * px_per_mm)
    region = image.crop(tuple(round(v) for v in box))
    return sum(count for shade, count in enumerate(region.histogram()) if shade < 235)


def test_report_has_name_period_scores_status_and_one_page() -> None:
    start = END - 89 * DAY
    treatments = [treatment(start + n * 3 * DAY) for n in range(6)]
    treatments.append(treatment(END - 5 * DAY, status="planned"))
    trends = build(90, treatments, [(start - DAY, 20, False), (END - 2 * DAY, 8, True)])
    pdf = render_report(
        patient="Ana Example",
        trends=trends,
        treatments=treatments,
        generated=END,
        flagged_entry_days=[END - 10 * DAY],
    )
    pages, text = text_of(pdf)
    assert pages == 1
    assert "Ana Example" in text
    assert f"{start.isoformat()} to {END.isoformat()}" in text
    assert f"Generated {END.isoformat()}" in text
    assert "8/27" in text
    assert "Mild" in text
    assert "Baseline PHQ-9" in text
    assert "20/27" in text
    assert "Response: the PHQ-9 is at least 50 % lower" in text  # 20 -> 8 is a 60 % drop
    assert "-12 points (60 % lower)" in text
    assert "IV infusion" in text
    assert "35 mg" in text
    assert "dissociation; nausea" in text
    assert "Crisis flags" in text
    assert (END - 10 * DAY).isoformat() in text
    assert "not a diagnosis" in text
    assert "Check-in days" in text
    assert "Adherence" not in text


def test_report_stays_one_page_with_far_too_much_data() -> None:
    start = END - 364 * DAY
    long_effects = ["very long side effect description " * 5 for _ in range(30)]
    treatments = [treatment(start + n * DAY, effects=long_effects) for n in range(0, 360, 2)]
    phq9 = [(start + n * DAY, n % 28, n % 3 == 0) for n in range(0, 360, 7)]
    trends = build(365, treatments, phq9)
    pdf = render_report(
        patient="A very long name " * 20,
        patient_reference="MRN-0042",
        trends=trends,
        treatments=treatments,
        generated=END,
        flagged_entry_days=[start + n * DAY for n in range(0, 300, 5)],
    )
    pages, text = text_of(pdf)
    assert pages == 1
    assert "Ref: MRN-0042" in text  # a long name is cut, never the reference
    assert f"+{len(treatments) - text.count('IV infusion')} earlier" in text
    assert "..." in text  # long cells are cut, not wrapped onto more lines


def test_text_outside_latin1_never_breaks_the_render() -> None:
    treatments = [treatment(END - DAY, effects=["头痛 🙂", "naus\u00e9e \u2014 l\u00e9g\u00e8re"])]
    trends = build(30, treatments, [])
    pdf = render_report(
        patient="Zo\u00eb \u674e\u96f7 \U0001f642",
        trends=trends,
        treatments=treatments,
        generated=END,
    )
    pages, text = text_of(pdf)
    assert pages == 1
    assert "Zo\u00eb" in text
    assert "naus\u00e9e - l\u00e9g\u00e8re" in text
    assert latin1("a\u2019b \u201cc\u201d \u2026 \u65e5\n") == 'a\'b "c" ... ? '


def test_letter_paper_is_letter_sized() -> None:
    pdf = render_report(
        patient="Ana", trends=build(14, [], []), treatments=[], generated=END, paper="Letter"
    )
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_chart_is_drawn_and_has_more_ink_with_data() -> None:
    treatments = [treatment(END - n * 10 * DAY) for n in range(5)]
    with_data = render_report(
        patient="Ana", trends=build(90, treatments, []), treatments=treatments, generated=END
    )
    empty = render_report(
        patient="Ana", trends=build(90, [], [], logged=False), treatments=[], generated=END
    )
    assert chart_ink(empty) > 0  # the axes and grid are there even without data
    assert chart_ink(with_data) > 3 * chart_ink(empty)
    assert "No check-ins in this period" in text_of(empty)[1]


async def test_report_route_defaults_to_last_90_days(client: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris", display_name="Ana Lima")
    for offset in range(20):
        day = (END - offset * DAY).isoformat()
        response = await client.put(f"/api/entries/{new_id()}", json={"day": day, "mood": 5})
        assert response.status_code == 201
    assessment = {
        "instrument": "phq9",
        "answers": [2, 2, 1, 1, 1, 1, 1, 1, 0],
        "taken_at": "2026-06-20T09:00:00+02:00",
    }
    assert (await client.put(f"/api/assessments/{new_id()}", json=assessment)).status_code == 201
    response = await client.get("/api/export/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    pages, text = text_of(response.content)
    assert pages == 1
    assert "Ana Lima" in text
    assert "10/27" in text
    assert "Moderate" in text
    assert f"{(END - 89 * DAY).isoformat()} to {END.isoformat()} (90 days)" in text

    period = await client.get("/api/export/report.pdf?from=2026-06-01&to=2026-06-15")
    assert "2026-06-01 to 2026-06-15 (15 days)" in text_of(period.content)[1]
    backwards = await client.get("/api/export/report.pdf?from=2026-06-15&to=2026-06-01")
    assert backwards.status_code == 400


async def test_report_needs_a_session(client: Client) -> None:
    assert (await client.get("/api/export/report.pdf")).status_code == 401


def test_next_planned_session_inside_a_period_that_runs_past_today() -> None:
    planned = treatment(END - 5 * DAY, status="planned")
    trends = build(30, [treatment(END - 20 * DAY), planned], [])
    made_before_the_end = render_report(
        patient="Ana", trends=trends, treatments=[planned], generated=END - 10 * DAY, tz=TZ
    )
    text = text_of(made_before_the_end)[1]
    assert f"{(END - 5 * DAY).isoformat()} IV infusion (next planned)" in text
    after_it = render_report(patient="Ana", trends=trends, treatments=[planned], generated=END)
    assert "Next session none planned" in text_of(after_it)[1]  # a stale plan is not "next"
