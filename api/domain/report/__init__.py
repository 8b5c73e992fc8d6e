"""The one-page clinician report: a pure layout function from plain data to PDF bytes.

``render_report`` takes the patient's name and reference, the period's ``Trends``, its treatments
(side effects, blood pressure) and assessments (item 9), the planned sessions after it and the
paper size, and returns a PDF that is ONE page whatever the data: the sections follow in a fixed
order, a summary line wraps onto at most two lines, the sessions table keeps its most recent
rows that fit and says "+N earlier", and every text cell is cut to its width. Auto page breaks
are off, and a second page would be a bug. What is shown comes from ``report.content``, which
the clinician link returns too.

Dates: nothing after the period's end is drawn, except the next planned session(s), labelled
"next planned session". The date the report was made is printed only when it falls inside the
period; otherwise the header says "made after the period ended".

Text is drawn in fpdf2's core Helvetica, which only knows latin-1: ``latin1`` maps common
typography (dashes, curly quotes) to plain equivalents and replaces anything else with "?", so
no journal text can ever make the render fail. The chart is drawn with fpdf2 primitives (lines,
polylines, triangles), which is fast: a year of data renders in a few tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Final
from zoneinfo import ZoneInfo

from fpdf import FPDF

from api.domain import instruments
from api.domain.kinds import AssessmentOut, TreatmentOut
from api.domain.report.chart import (
    CHART_HEIGHT,
    CHART_TOP,
    CRISIS,
    GRID,
    INK,
    MARGIN,
    MUTED,
    Paper,
    chart_box,
    crisis_days,
    draw_chart,
    page_size,
)
from api.domain.report.content import KIND_LABELS, Line, ReportContent, report_content
from api.domain.report.scores import draw_scores
from api.domain.trends import Trends

__all__ = ["KIND_LABELS", "Paper", "chart_box", "latin1", "render_report"]

ROW: Final = 4.2  # height of a summary line or table row, mm
LABEL_WIDTH: Final = 25.0
SCORES_HEIGHT: Final = 27.0
UTC_ZONE: Final = ZoneInfo("UTC")
DISCLAIMER: Final = (
    "Patient-reported data recorded in the Waypoint app; it is not a diagnosis and has not been "
    "reviewed by a clinician. Mood is self-rated 0 (worst) to 10 (best). PHQ-9 and GAD-7: "
    + instruments.ATTRIBUTION
)
_PLAIN: Final = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2192": "->",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "*",
        "\u00a0": " ",
        "\t": " ",
        "\r": " ",
        "\n": " ",
    }
)


def latin1(text: str) -> str:
    """Text Helvetica can draw: typography made plain, other characters outside latin-1 -> '?'."""
    plain = text.translate(_PLAIN)
    plain = "".join("?" if 0x7F <= ord(ch) < 0xA0 or ord(ch) < 0x20 else ch for ch in plain)
    return plain.encode("latin-1", "replace").decode("latin-1")


def render_report(
    *,
    patient: str,
    trends: Trends,
    treatments: Sequence[TreatmentOut],
    generated: date,
    paper: Paper = "A4",
    flagged_entry_days: Sequence[date] = (),
    assessments: Sequence[AssessmentOut] = (),
    upcoming: Sequence[TreatmentOut] = (),
    patient_reference: str = "",
    tz: ZoneInfo = UTC_ZONE,
) -> bytes:
    """The clinician report for ``trends.start`` .. ``trends.end`` as PDF bytes (one page).

    ``treatments`` and ``assessments`` are the period's records (matched to the trends by id
    for side effects, blood pressure and item 9); ``upcoming`` the treatments after the period
    (only planned ones are listed); ``flagged_entry_days`` the days whose check-in raised a
    crisis flag; ``tz`` the patient's zone, for the local day of each record.
    """
    content = report_content(trends, treatments, assessments, upcoming, tz, today=generated)
    width, height = page_size(paper)
    pdf = FPDF(unit="mm", format=paper)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title("Waypoint clinician report")
    pdf.set_creator("Waypoint")
    pdf.add_page()
    _header(pdf, patient, patient_reference, trends, generated, width)
    draw_chart(pdf, trends, chart_box(paper), flagged_entry_days)
    y = _summary(pdf, trends, content, CHART_TOP + CHART_HEIGHT + 11, flagged_entry_days, width)
    y = _scores(pdf, trends, content, y + 1.5, width)
    footer_top = height - MARGIN - 2 * 3.2
    _sessions(pdf, content, y + 1.5, footer_top - 1.5, width)
    pdf.set_font("Helvetica", "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(MARGIN, footer_top)
    pdf.multi_cell(width - 2 * MARGIN, 3.2, latin1(DISCLAIMER), max_line_height=3.2)
    assert pdf.pages_count == 1, "the clinician report must fit on one page"
    return bytes(pdf.output())


# --- sections -------------------------------------------------------------------------------


def _header(
    pdf: FPDF, patient: str, reference: str, trends: Trends, generated: date, width: float
) -> None:
    inner = width - 2 * MARGIN
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(inner * 0.62, 7, "Waypoint - treatment progress report")
    pdf.set_font("Helvetica", "", 9)
    made = (
        f"Generated {generated.isoformat()}"
        if generated <= trends.end
        else "Generated after the period ended"
    )
    pdf.cell(inner * 0.38, 7, made, align="R")
    days = (trends.end - trends.start).days + 1
    pdf.set_font("Helvetica", "", 10)
    pdf.set_xy(MARGIN, MARGIN + 7.5)
    # The reference is what a clinic files the page under: a long name is cut, never the ref.
    ref = f"   Ref: {latin1(reference)}" if reference else ""
    ref = _fit(pdf, ref, inner * 0.3)
    name = _fit(pdf, f"Patient: {latin1(patient)}", inner * 0.55 - pdf.get_string_width(ref))
    pdf.cell(inner * 0.55, 5, name + ref)
    period = f"Period: {trends.start.isoformat()} to {trends.end.isoformat()} ({days} days)"
    pdf.cell(inner * 0.45, 5, period, align="R")
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, MARGIN + 14, width - MARGIN, MARGIN + 14)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(MARGIN, CHART_TOP - 9)
    pdf.cell(inner, 5, "Daily mood (0-10), its 7-day mean and treatments")


def _summary(
    pdf: FPDF,
    trends: Trends,
    content: ReportContent,
    y: float,
    flagged_entry_days: Sequence[date],
    width: float,
) -> float:
    s = trends.summary
    inner = width - 2 * MARGIN
    crisis = crisis_days(trends, flagged_entry_days)
    flags = "none in this period"
    if s.crisis_flags or crisis:
        prefix = f"{s.crisis_flags} (lowest mood or PHQ-9 item 9 above 0) on "
        flags = _dates_that_fit(pdf, prefix, crisis, inner - LABEL_WIDTH)
    lines = [*content.lines]
    lines.insert(7, Line("Crisis flags", flags))
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(MARGIN, y)
    pdf.cell(0, 5, "Baseline, latest and response")
    y += 5.5
    for line in lines:
        warn = line.label == "Crisis flags" and s.crisis_flags
        warn = warn or (line.label == "PHQ-9 status" and s.phq9_status == "worse")
        warn = warn or (line.label == "Mood status" and s.mood_status == "worse")
        pdf.set_text_color(*(CRISIS if warn else INK))
        pdf.set_xy(MARGIN, y)
        pdf.set_font("Helvetica", "B", 8)
        pdf.cell(LABEL_WIDTH, ROW, line.label)
        pdf.set_text_color(*INK)
        pdf.set_font("Helvetica", "", 8)
        for row in _wrapped(pdf, latin1(line.text), inner - LABEL_WIDTH, 2):
            pdf.set_xy(MARGIN + LABEL_WIDTH, y)
            pdf.cell(inner - LABEL_WIDTH, ROW, row)
            y += ROW
    return y


def _scores(pdf: FPDF, trends: Trends, content: ReportContent, y: float, width: float) -> float:
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(MARGIN, y)
    pdf.cell(0, 5, "PHQ-9 and GAD-7 in the period")
    top = y + 9
    draw_scores(pdf, trends, "phq9", (MARGIN + 4, top, 56.0, SCORES_HEIGHT))
    draw_scores(pdf, trends, "gad7", (MARGIN + 66, top, 40.0, SCORES_HEIGHT))
    columns = [("", 13.0), ("Test", 12.0), ("Date", 17.0), ("Total", 11.0)]
    left = MARGIN + 112
    columns.append(("Band", width - MARGIN - left - sum(w for _, w in columns)))
    rows = [
        (r.row, r.instrument, r.day.isoformat(), f"{r.total}/{r.max_total}", r.band)
        for r in content.scores
    ]
    _table(pdf, "", columns, rows, y + 5.5, "No PHQ-9 or GAD-7 in this period.", left=left)
    return top + SCORES_HEIGHT + 2


def _sessions(pdf: FPDF, content: ReportContent, y: float, bottom: float, width: float) -> None:
    found = content.sessions
    fits = max(1, int((bottom - y - 5.5) / ROW) - 1)  # minus the header row
    shown = found[-fits:]
    title = f"Sessions done in the period ({len(found)})"
    if len(found) > len(shown):
        title += f" - most recent {len(shown)}; +{len(found) - len(shown)} earlier"
    columns = [("Date", 18.0), ("Kind", 26.0), ("Dose", 13.0), ("BP before -> after", 29.0)]
    columns.append(("Mood lift (daily mean vs baseline)", 50.0))
    columns.append(("Side effects", width - 2 * MARGIN - sum(w for _, w in columns)))
    rows = [
        (r.day.isoformat(), r.kind, r.dose, r.blood_pressure, r.lift, r.side_effects) for r in shown
    ]
    _table(pdf, title, columns, rows, y, "No sessions done in this period.")


def _dates_that_fit(pdf: FPDF, prefix: str, days: Sequence[date], width: float) -> str:
    """``prefix`` and the most recent ``days`` that fit in ``width``, then "(+N earlier)"."""
    pdf.set_font("Helvetica", "", 8)
    for shown in range(len(days), 0, -1):
        earlier = len(days) - shown
        text = prefix + ", ".join(day.isoformat() for day in days[earlier:])
        text += f" (+{earlier} earlier)" if earlier else ""
        if pdf.get_string_width(text) <= width:
            return text
    return f"{prefix}{len(days)} days"


def _table(
    pdf: FPDF,
    title: str,
    columns: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[str]],
    y: float,
    empty: str,
    left: float = MARGIN,
) -> float:
    pdf.set_text_color(*INK)
    if title:
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.set_xy(left, y)
        pdf.cell(0, 5, latin1(title))
        y += 5.5
    if not rows:
        pdf.set_font("Helvetica", "I", 8)
        pdf.set_xy(left, y)
        pdf.cell(0, ROW, empty)
        return y + ROW
    pdf.set_fill_color(241, 243, 245)
    for style, cells in _styled(columns, rows):
        pdf.set_font("Helvetica", style, 7.5)
        pdf.set_xy(left, y)
        for (_, col_width), text in zip(columns, cells, strict=True):
            pdf.cell(col_width, ROW, _fit(pdf, latin1(text), col_width - 1.5), fill=style == "B")
        y += ROW
    return y


def _styled(
    columns: Sequence[tuple[str, float]], rows: Sequence[Sequence[str]]
) -> Iterator[tuple[str, Sequence[str]]]:
    yield "B", [name for name, _ in columns]
    for row in rows:
        yield "", row


def _wrapped(pdf: FPDF, text: str, width: float, most: int) -> list[str]:
    """``text`` broken into lines of ``width`` mm, at most ``most`` (the last one cut)."""
    words, lines, line = text.split(" "), [], ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if pdf.get_string_width(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    if len(lines) > most:
        lines = [*lines[: most - 1], _fit(pdf, " ".join(lines[most - 1 :]), width)]
    return [_fit(pdf, each, width) for each in lines]


# --- helpers --------------------------------------------------------------------------------


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with "...") to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle] + "...") <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "..."
