"""The report's chart: daily mood, its 7-day mean, treatment markers and crisis flags.

Drawn with fpdf2 primitives (lines, polylines, circles, triangles) in a fixed box, so it is
fast and its place on the page is known (``chart_box``; tests look for ink there). A day
without a check-in breaks both lines: gaps are shown as gaps, never bridged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Final, Literal

from fpdf import FPDF

from api.domain.trends import Trends

Paper = Literal["A4", "Letter"]
RGB = tuple[int, int, int]

MARGIN: Final = 12.0
LINE: Final = 4.6  # height of a text line / table row, mm
CHART_TOP: Final = 37.0
CHART_HEIGHT: Final = 48.0
Y_LABEL_WIDTH: Final = 7.0
INK: Final[RGB] = (33, 37, 41)
MUTED: Final[RGB] = (110, 117, 125)
GRID: Final[RGB] = (222, 226, 230)
DAILY: Final[RGB] = (150, 160, 170)
MEAN: Final[RGB] = (13, 71, 161)
TREATMENT: Final[RGB] = (0, 137, 123)
TREATMENT_LINE: Final[RGB] = (128, 196, 189)
CRISIS: Final[RGB] = (198, 40, 40)


def page_size(paper: Paper) -> tuple[float, float]:
    return (210.0, 297.0) if paper == "A4" else (215.9, 279.4)


def chart_box(paper: Paper) -> tuple[float, float, float, float]:
    """The plotting area (x, y, width, height) in mm from the top left of the page."""
    width, _ = page_size(paper)
    left = MARGIN + Y_LABEL_WIDTH
    return left, CHART_TOP, width - MARGIN - left, CHART_HEIGHT


def draw_chart(
    pdf: FPDF,
    trends: Trends,
    box: tuple[float, float, float, float],
    flagged_entry_days: Sequence[date],
) -> None:
    left, top, width, height = box
    count = len(trends.days)
    step = width / max(count, 1)

    def x_of(day: date) -> float:
        return left + ((day - trends.start).days + 0.5) * step

    def y_of(value: float) -> float:
        return top + height - value / 10 * height

    _grid(pdf, trends, box, x_of, y_of)
    _treatment_markers(pdf, trends, top, height, x_of)
    pdf.set_draw_color(*CRISIS)
    pdf.set_fill_color(*CRISIS)
    for day in crisis_days(trends, flagged_entry_days):
        x = x_of(day)
        bottom = top + height
        pdf.polygon([(x - 1.1, bottom), (x + 1.1, bottom), (x, bottom - 2)], style="F")
    _mood_lines(pdf, trends, x_of, y_of)
    if not any(p.mood is not None for p in trends.days):
        pdf.set_font("Helvetica", "I", 9)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(left, top + height / 2 - 2.5)
        pdf.cell(width, 5, "No check-ins in this period", align="C")
    legend(pdf, left, top + height + 6.5)


Scale = Callable[[date], float]
ValueScale = Callable[[float], float]


def _grid(
    pdf: FPDF,
    trends: Trends,
    box: tuple[float, float, float, float],
    x_of: Scale,
    y_of: ValueScale,
) -> None:
    left, top, width, height = box
    count = len(trends.days)
    pdf.set_font("Helvetica", "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID)
    for value in range(0, 11, 2):
        pdf.line(left, y_of(value), left + width, y_of(value))
        pdf.text(left - 4, y_of(value) + 1, str(value))
    label_every = max(1, math.ceil(count / 7))
    for index in range(0, count, label_every):
        day = trends.days[index].day
        pdf.line(x_of(day), top + height, x_of(day), top + height + 1)
        pdf.text(x_of(day) - 7, top + height + 4, day.isoformat())


def _treatment_markers(pdf: FPDF, trends: Trends, top: float, height: float, x_of: Scale) -> None:
    """A line and a triangle per session: filled when done, hollow and dashed when planned."""
    for marker in trends.treatments:
        if marker.status == "cancelled":
            continue
        x = x_of(marker.day)
        done = marker.status == "done"
        pdf.set_draw_color(*TREATMENT_LINE)
        pdf.set_line_width(0.3)
        if not done:
            pdf.set_dash_pattern(dash=0.8, gap=0.8)
        pdf.line(x, top, x, top + height)
        pdf.set_dash_pattern()
        pdf.set_draw_color(*TREATMENT)
        pdf.set_fill_color(*TREATMENT)
        triangle = [(x - 1.2, top - 2.8), (x + 1.2, top - 2.8), (x, top - 0.6)]
        pdf.polygon(triangle, style="DF" if done else "D")


def _mood_lines(pdf: FPDF, trends: Trends, x_of: Scale, y_of: ValueScale) -> None:
    """Daily mood as dots joined within runs of days (gaps stay gaps), and the 7-day mean."""
    pdf.set_draw_color(*DAILY)
    pdf.set_fill_color(*DAILY)
    pdf.set_line_width(0.2)
    radius = 0.55 if len(trends.days) <= 120 else 0.35
    for run in runs([(x_of(p.day), p.mood) for p in trends.days]):
        points = [(x, y_of(v)) for x, v in run]
        if len(points) > 1:
            pdf.polyline(points)
        for x, y in points:
            pdf.circle(x, y, radius, style="F")
    pdf.set_draw_color(*MEAN)
    pdf.set_line_width(0.7)
    for run in runs([(x_of(p.day), p.mood_7d) for p in trends.days]):
        points = [(x, y_of(v)) for x, v in run]
        if len(points) > 1:
            pdf.polyline(points)
        else:
            pdf.circle(points[0][0], points[0][1], 0.5, style="F")


def legend(pdf: FPDF, x: float, y: float) -> None:
    pdf.set_font("Helvetica", "", 7)
    pdf.set_text_color(*INK)
    pdf.set_line_width(0.7)
    pdf.set_draw_color(*MEAN)
    pdf.line(x, y, x + 6, y)
    pdf.text(x + 7.5, y + 1, "7-day mean")
    pdf.set_fill_color(*DAILY)
    pdf.circle(x + 30, y, 0.6, style="F")
    pdf.text(x + 32, y + 1, "daily mood (gaps = no check-in)")
    pdf.set_draw_color(*TREATMENT)
    pdf.set_fill_color(*TREATMENT)
    pdf.set_line_width(0.3)
    x += 78
    pdf.polygon([(x - 1.2, y - 1.1), (x + 1.2, y - 1.1), (x, y + 1.1)], style="DF")
    pdf.text(x + 2.5, y + 1, "treatment done")
    x += 26
    pdf.polygon([(x - 1.2, y - 1.1), (x + 1.2, y - 1.1), (x, y + 1.1)], style="D")
    pdf.text(x + 2.5, y + 1, "planned")
    x += 18
    pdf.set_fill_color(*CRISIS)
    pdf.polygon([(x - 1.1, y + 1), (x + 1.1, y + 1), (x, y - 1)], style="F")
    pdf.text(x + 2.5, y + 1, "crisis flag")


def runs(points: Sequence[tuple[float, float | None]]) -> Iterator[list[tuple[float, float]]]:
    """Consecutive stretches of days with a value: a missing day breaks the line (a gap)."""
    run: list[tuple[float, float]] = []
    for x, value in points:
        if value is None:
            if run:
                yield run
            run = []
        else:
            run.append((x, value))
    if run:
        yield run


def crisis_days(trends: Trends, flagged_entry_days: Sequence[date]) -> list[date]:
    days = {a.day for a in trends.assessments if a.flagged}
    days.update(d for d in flagged_entry_days if trends.start <= d <= trends.end)
    return sorted(days)
