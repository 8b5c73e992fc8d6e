"""The one-page clinician report: a pure layout function from plain data to PDF bytes.

``render_report`` takes the patient's name, the period's ``Trends``, the treatments (for their
side effects) and the paper size, and returns a PDF that is ONE page whatever the data: every
section has a fixed place, every table keeps its most recent rows and says "+N more", and every
text cell is cut to its width. Auto page breaks are off, and a second page would be a bug.

Text is drawn in fpdf2's core Helvetica, which only knows latin-1: ``latin1`` maps common
typography (dashes, curly quotes) to plain equivalents and replaces anything else with "?", so
no journal text can ever make the render fail. The chart is drawn with fpdf2 primitives (lines,
polylines, triangles), which is fast: a year of data renders in a few tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Final

from fpdf import FPDF

from api.domain import instruments
from api.domain.kinds import TreatmentOut
from api.domain.report.chart import (
    CHART_HEIGHT,
    CHART_TOP,
    CRISIS,
    GRID,
    INK,
    LINE,
    MARGIN,
    MUTED,
    Paper,
    chart_box,
    crisis_days,
    draw_chart,
    page_size,
)
from api.domain.trends import Trends

__all__ = ["KIND_LABELS", "Paper", "chart_box", "latin1", "render_report"]

QUESTIONNAIRE_ROWS: Final = 8

KIND_LABELS: Final = {
    "iv_infusion": "IV infusion",
    "esketamine_nasal": "Esketamine nasal spray",
    "im_injection": "IM injection",
    "oral": "Oral",
    "other": "Other",
}
_PCT_RESPONSE = f"{instruments.RESPONSE_DROP:.0%}"
_PCT_PARTIAL = f"{instruments.PARTIAL_DROP:.0%}"
STATUS_WORDS: Final = {
    "remission": f"Remission: the latest PHQ-9 is below {instruments.PHQ9_REMISSION_BELOW}.",
    "response": f"Response: the PHQ-9 fell by at least {_PCT_RESPONSE} from baseline.",
    "partial": f"Partial response: the PHQ-9 fell by {_PCT_PARTIAL} to {_PCT_RESPONSE}.",
    "none": f"No response: the PHQ-9 fell by less than {_PCT_PARTIAL} from baseline.",
}
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
) -> bytes:
    """The clinician report for ``trends.start`` .. ``trends.end`` as PDF bytes (one page).

    ``treatments`` supplies side effects for the period's treatment markers (matched by id);
    ``flagged_entry_days`` are the days whose check-in raised a crisis flag (lowest mood), listed
    with the flagged questionnaires under "Crisis flags".
    """
    width, height = page_size(paper)
    pdf = FPDF(unit="mm", format=paper)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title("Waypoint clinician report")
    pdf.set_creator("Waypoint")
    pdf.add_page()
    _header(pdf, patient, trends, generated, width)
    draw_chart(pdf, trends, chart_box(paper), flagged_entry_days)
    y = _summary(pdf, trends, CHART_TOP + CHART_HEIGHT + 12, flagged_entry_days, width)
    y = _questionnaires(pdf, trends, y + 2, width)
    footer_top = height - MARGIN - 2 * 3.2
    _treatments(pdf, trends, treatments, y + 2, footer_top - 2, width)
    pdf.set_font("Helvetica", "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(MARGIN, footer_top)
    pdf.multi_cell(width - 2 * MARGIN, 3.2, latin1(DISCLAIMER), max_line_height=3.2)
    assert pdf.pages_count == 1, "the clinician report must fit on one page"
    return bytes(pdf.output())


# --- sections -------------------------------------------------------------------------------


def _header(pdf: FPDF, patient: str, trends: Trends, generated: date, width: float) -> None:
    inner = width - 2 * MARGIN
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(inner * 0.7, 7, "Waypoint - treatment progress report")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(inner * 0.3, 7, f"Generated {generated.isoformat()}", align="R")
    days = (trends.end - trends.start).days + 1
    pdf.set_font("Helvetica", "", 10)
    pdf.set_xy(MARGIN, MARGIN + 7.5)
    pdf.cell(inner * 0.55, 5, _fit(pdf, f"Patient: {latin1(patient)}", inner * 0.55))
    period = f"Period: {trends.start.isoformat()} to {trends.end.isoformat()} ({days} days)"
    pdf.cell(inner * 0.45, 5, period, align="R")
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, MARGIN + 14, width - MARGIN, MARGIN + 14)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(MARGIN, CHART_TOP - 9)
    pdf.cell(inner, 5, "Daily mood (0-10), its 7-day mean and treatments")


def _summary(
    pdf: FPDF, trends: Trends, y: float, flagged_entry_days: Sequence[date], width: float
) -> float:
    s = trends.summary
    lines: list[tuple[str, str]] = []
    if s.baseline_date is None:
        lines.append(("Baseline", "none yet (no done treatment and no baseline date set)"))
    else:
        source = "first treatment" if s.baseline_source == "first_treatment" else "set by patient"
        parts = [f"{s.baseline_date.isoformat()} ({source})"]
        if s.baseline_mood is not None:
            parts.append(f"mood {s.baseline_mood:.1f} (mean of {s.baseline_mood_days} days before)")
        if s.baseline_phq9 is not None and s.baseline_phq9_date is not None:
            parts.append(f"PHQ-9 {s.baseline_phq9} on {s.baseline_phq9_date.isoformat()}")
        lines.append(("Baseline", "; ".join(parts)))
    latest = []
    if s.latest_mood_7d is not None and s.latest_mood_7d_date is not None:
        latest.append(f"7-day mood {s.latest_mood_7d:.1f} on {s.latest_mood_7d_date.isoformat()}")
    if s.latest_phq9 is not None and s.latest_phq9_date is not None:
        latest.append(f"PHQ-9 {s.latest_phq9} on {s.latest_phq9_date.isoformat()}")
    lines.append(("Latest", "; ".join(latest) or "no data yet"))
    change = []
    if s.mood_change is not None:
        change.append(f"mood {s.mood_change:+.1f} points")
    if s.phq9_change is not None:
        drop = "" if s.phq9_relative_drop is None else f" ({s.phq9_relative_drop:.0%} drop)"
        change.append(f"PHQ-9 {s.phq9_change:+d} points{drop}")
    lines.append(("Change", "; ".join(change) or "not yet measurable"))
    lines.append(("PHQ-9 status", _status_words(trends)))
    done = sum(1 for m in trends.treatments if m.status == "done")
    planned = sum(1 for m in trends.treatments if m.status == "planned")
    last = (
        "none done yet"
        if s.last_treatment_date is None
        else f"last done {s.last_treatment_date.isoformat()} "
        f"({s.days_since_last_treatment} days before the report)"
    )
    lines.append(("Treatments", f"{done} done and {planned} planned in the period; {last}"))
    lines.append(
        (
            "Adherence",
            f"check-ins on {s.days_logged} of {s.days_in_period} days so far ({s.adherence:.0%})",
        )
    )
    if s.plateau:
        lines.append(("Plateau", "the 7-day mood has stalled near baseline for 3 weeks"))
    crisis = crisis_days(trends, flagged_entry_days)
    flags = "none in this period"
    inner = width - 2 * MARGIN
    if s.crisis_flags or crisis:
        prefix = f"{s.crisis_flags} (lowest mood or PHQ-9 item 9 above 0) on "
        flags = _dates_that_fit(pdf, prefix, crisis, inner - 26)
    lines.append(("Crisis flags", flags))

    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(MARGIN, y)
    pdf.cell(0, 5, "Baseline, latest and response")
    y += 5.5
    for label, text in lines:
        pdf.set_xy(MARGIN, y)
        pdf.set_font("Helvetica", "B", 8.5)
        if label == "Crisis flags" and s.crisis_flags:
            pdf.set_text_color(*CRISIS)
        pdf.cell(26, LINE, label)
        pdf.set_font("Helvetica", "", 8.5)
        pdf.cell(inner - 26, LINE, _fit(pdf, latin1(text), inner - 26))
        pdf.set_text_color(*INK)
        y += LINE
    return y


def _dates_that_fit(pdf: FPDF, prefix: str, days: Sequence[date], width: float) -> str:
    """``prefix`` and the most recent ``days`` that fit in ``width``, then "(+N earlier)"."""
    pdf.set_font("Helvetica", "", 8.5)
    for shown in range(len(days), 0, -1):
        earlier = len(days) - shown
        text = prefix + ", ".join(day.isoformat() for day in days[earlier:])
        text += f" (+{earlier} earlier)" if earlier else ""
        if pdf.get_string_width(text) <= width:
            return text
    return f"{prefix}{len(days)} days"


def _status_words(trends: Trends) -> str:
    s = trends.summary
    if s.phq9_status is None:
        return "not assessable yet: needs a PHQ-9 at or before the baseline date and one after it"
    if s.baseline_phq9 is not None and s.baseline_phq9 < instruments.PHQ9_REMISSION_BELOW:
        return "not classified: the baseline PHQ-9 was already in the minimal band"
    return STATUS_WORDS[s.phq9_status]


def _questionnaires(pdf: FPDF, trends: Trends, y: float, width: float) -> float:
    found = trends.assessments
    shown = found[-QUESTIONNAIRE_ROWS:]
    title = "PHQ-9 and GAD-7"
    if len(found) > len(shown):
        title += f" (most recent {len(shown)}; +{len(found) - len(shown)} more in the period)"
    columns = [("Date", 26.0), ("Instrument", 24.0), ("Total", 20.0), ("Severity band", 45.0)]
    columns.append(("", width - 2 * MARGIN - sum(w for _, w in columns)))
    rows = []
    for a in shown:
        found_instrument = instruments.instrument(a.instrument)
        band = instruments.severity_band(a.instrument, a.total).label
        flag = "item 9 above 0 (crisis flag)" if a.flagged else ""
        total = f"{a.total} / {found_instrument.max_total}"
        rows.append((a.day.isoformat(), found_instrument.name, total, band, flag))
    empty = "No questionnaires in this period."
    return _table(pdf, title, columns, rows, y, empty)


def _treatments(
    pdf: FPDF,
    trends: Trends,
    treatments: Sequence[TreatmentOut],
    y: float,
    bottom: float,
    width: float,
) -> None:
    by_id = {t.id: t for t in treatments}
    found = trends.treatments
    fits = max(1, int((bottom - y - 5.5) / LINE) - 1)  # minus the header row
    shown = found[-fits:]
    title = "Treatments in the period"
    if len(found) > len(shown):
        title += f" (most recent {len(shown)}; +{len(found) - len(shown)} more)"
    columns = [("Date", 26.0), ("Kind", 40.0), ("Status", 20.0), ("Dose", 18.0)]
    columns.append(("Side effects", width - 2 * MARGIN - sum(w for _, w in columns)))
    rows = []
    for m in shown:
        full = by_id.get(m.id)
        effects = "; ".join(full.side_effects) if full is not None else ""
        dose = "" if m.dose_mg is None else f"{m.dose_mg:g} mg"
        kind = KIND_LABELS.get(m.kind, m.kind)
        rows.append((m.day.isoformat(), kind, m.status, dose, effects))
    _table(pdf, title, columns, rows, y, "No treatments in this period.")


def _table(
    pdf: FPDF,
    title: str,
    columns: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[str]],
    y: float,
    empty: str,
) -> float:
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(MARGIN, y)
    pdf.cell(0, 5, latin1(title))
    y += 5.5
    if not rows:
        pdf.set_font("Helvetica", "I", 8.5)
        pdf.set_xy(MARGIN, y)
        pdf.cell(0, LINE, empty)
        return y + LINE
    pdf.set_fill_color(241, 243, 245)
    for style, cells in _styled(columns, rows):
        pdf.set_font("Helvetica", style, 8.5)
        pdf.set_xy(MARGIN, y)
        for (_, col_width), text in zip(columns, cells, strict=True):
            pdf.cell(col_width, LINE, _fit(pdf, latin1(text), col_width - 1.5), fill=style == "B")
        y += LINE
    return y


def _styled(
    columns: Sequence[tuple[str, float]], rows: Sequence[Sequence[str]]
) -> Iterator[tuple[str, Sequence[str]]]:
    yield "B", [name for name, _ in columns]
    for row in rows:
        yield "", row


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
