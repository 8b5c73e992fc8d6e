"""The report's small score charts: every PHQ-9 (and GAD-7) total of the period over time.

Each chart has the instrument's band edges as faint lines with their floors labelled, the
baseline PHQ-9 as a dashed line (it may come from before the period), and a red point for a
PHQ-9 whose item 9 was above 0. Drawn with fpdf2 primitives in a fixed box, like the mood chart.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from fpdf import FPDF

from api.domain import instruments
from api.domain.report.chart import CRISIS, GRID, INK, MEAN, MUTED
from api.domain.trends import Trends

GAD7_INK: Final = (121, 85, 72)


def draw_scores(
    pdf: FPDF, trends: Trends, instrument_id: str, box: tuple[float, float, float, float]
) -> None:
    left, top, width, height = box
    spec = instruments.instrument(instrument_id)
    span = max(1, (trends.end - trends.start).days + 1)

    def x_of(day: date) -> float:
        return left + ((day - trends.start).days + 0.5) / span * width

    def y_of(total: float) -> float:
        return top + height - total / spec.max_total * height

    pdf.set_font("Helvetica", "B", 7.5)
    pdf.set_text_color(*INK)
    pdf.text(left, top - 1.5, f"{spec.name} totals (0-{spec.max_total})")
    pdf.set_font("Helvetica", "", 6)
    pdf.set_text_color(*MUTED)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    pdf.rect(left, top, width, height)
    for band in spec.bands[1:]:
        y = y_of(band.min_total)
        pdf.line(left, y, left + width, y)
        pdf.text(left - 3.5, y + 0.8, str(band.min_total))
    s = trends.summary
    if instrument_id == "phq9" and s.baseline_phq9 is not None:
        pdf.set_draw_color(*MUTED)
        pdf.set_dash_pattern(dash=0.8, gap=0.8)
        y = y_of(s.baseline_phq9)
        pdf.line(left, y, left + width, y)
        pdf.set_dash_pattern()
        pdf.text(left + width - 14, y - 0.8, f"baseline {s.baseline_phq9}")
    found = [a for a in trends.assessments if a.instrument == instrument_id]
    if not found:
        pdf.set_font("Helvetica", "I", 7)
        pdf.set_xy(left, top + height / 2 - 2)
        pdf.cell(width, 4, f"No {spec.name} in this period", align="C")
        return
    colour = MEAN if instrument_id == "phq9" else GAD7_INK
    points = [(x_of(a.day), y_of(a.total)) for a in found]
    pdf.set_draw_color(*colour)
    pdf.set_line_width(0.4)
    if len(points) > 1:
        pdf.polyline(points)
    for marker, (x, y) in zip(found, points, strict=True):
        pdf.set_fill_color(*(CRISIS if marker.flagged else colour))
        pdf.circle(x, y, 0.7, style="F")
