"""Exports for the clinician and for spreadsheets: the one-page PDF, CSV files and FHIR R4.

CSV files are UTF-8 **with a byte-order mark**: Excel (still what most clinics open a CSV with)
reads a BOM-less file as the local ANSI code page and garbles every accent and emoji in a note;
LibreOffice, Numbers, Google Sheets, pandas (``encoding="utf-8-sig"``) and Python's csv module
all accept the BOM. Rows end with CRLF (RFC 4180); the header row names the columns; dates and
times are ISO 8601; lists (tags, side effects) are joined with "; ".

A cell that a spreadsheet would run as a formula — text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return — gets a leading ``'`` (OWASP's CSV-injection advice), so a
note like "=HYPERLINK(...)" stays text. Numbers are written as numbers and never need it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from api import fhir, records
from api.assessments import ASSESSMENT, AssessmentOut
from api.db import Database
from api.entries import ENTRY, EntryOut
from api.progress import load_trends, period
from api.records import EndDay, StartDay
from api.report import Paper, render_report
from api.report.content import ReportContent, report_content
from api.services import Services
from api.sessions import Clock, User
from api.treatments import TREATMENT, TreatmentOut
from api.trends import Trends

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
ALL: Final = -1  # SQLite's LIMIT -1: no limit (an export has every record of the range)
CSV_MEDIA_TYPE: Final = "text/csv"  # Litestar adds "; charset=utf-8" to text/* types
FHIR_MEDIA_TYPE: Final = "application/fhir+json"

ENTRY_COLUMNS: Final = (
    "id", "day", "time", "mood", "anxiety", "energy", "sleep_hours", "tags", "note", "flagged",
    "version", "updated_at",
)  # fmt: skip
TREATMENT_COLUMNS: Final = (
    "id", "at", "kind", "status", "dose_mg", "clinic", "side_effects",
    "bp_before_systolic", "bp_before_diastolic", "bp_after_systolic", "bp_after_diastolic",
    "notes", "version", "updated_at",
)  # fmt: skip
ASSESSMENT_COLUMNS: Final = (
    "id", "taken_at", "instrument", "total", "band", "band_label", "flagged",
    *(f"item_{n}" for n in range(1, 10)), "difficulty", "version", "updated_at",
)  # fmt: skip


# --- CSV (pure) -------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise("; ".join(str(each) for each in value))
    return neutralise(str(value))


def csv_document(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A UTF-8 CSV file with a BOM, a header row and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def entries_csv(entries: Iterable[EntryOut]) -> bytes:
    def row(e: EntryOut) -> tuple[Any, ...]:
        return (
            e.id, e.day, e.time, e.mood, e.anxiety, e.energy, e.sleep_hours, e.tags, e.note,
            e.flagged, e.version, e.updated_at,
        )  # fmt: skip

    return csv_document(ENTRY_COLUMNS, (row(e) for e in entries))


def treatments_csv(treatments: Iterable[TreatmentOut]) -> bytes:
    def row(t: TreatmentOut) -> tuple[Any, ...]:
        before, after = t.bp_before, t.bp_after
        return (
            t.id, t.at, t.kind, t.status, t.dose_mg, t.clinic, t.side_effects,
            before and before.systolic, before and before.diastolic,
            after and after.systolic, after and after.diastolic,
            t.notes, t.version, t.updated_at,
        )  # fmt: skip

    return csv_document(TREATMENT_COLUMNS, (row(t) for t in treatments))


def assessments_csv(assessments: Iterable[AssessmentOut]) -> bytes:
    def row(a: AssessmentOut) -> tuple[Any, ...]:
        items = [*a.answers, *([None] * (9 - len(a.answers)))]
        return (
            a.id, a.taken_at, a.instrument, a.total, a.band, a.band_label, a.flagged,
            *items, a.difficulty, a.version, a.updated_at,
        )  # fmt: skip

    return csv_document(ASSESSMENT_COLUMNS, (row(a) for a in assessments))


def filename(stem: str, start: date | None, end: date | None, extension: str) -> str:
    if start is None and end is None:
        return f"waypoint-{stem}.{extension}"
    first = start.isoformat() if start else "start"
    last = end.isoformat() if end else "now"
    return f"waypoint-{stem}-{first}-to-{last}.{extension}"


def attachment(content: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the clinician report -----------------------------------------------------------------------


def patient_name(user: User) -> str:
    return user.display_name or user.username


def _flagged_entry_days(conn: sqlite3.Connection, user_id: int, start: str, end: str) -> list[date]:
    found = conn.execute(
        "SELECT DISTINCT day FROM records WHERE user_id = ? AND kind = 'entry' AND deleted = 0 "
        "AND flagged = 1 AND day BETWEEN ? AND ? ORDER BY day",
        (user_id, start, end),
    ).fetchall()
    return [date.fromisoformat(day) for (day,) in found]


async def report_pdf(
    db: Database, user: User, start: date, end: date, clock: Clock, paper: Paper
) -> bytes:
    """The owner's one-page clinician report for start..end (rendered off the event loop)."""
    trends = await load_trends(db, user, start, end, clock)
    treatments, assessments, upcoming = await period_records(db, user, start, end)
    flagged = await db.read(_flagged_entry_days, user.id, start.isoformat(), end.isoformat())
    return await asyncio.to_thread(
        render_report,
        patient=patient_name(user),
        trends=trends,
        treatments=treatments,
        generated=clock().astimezone(user.tz).date(),
        paper=paper,
        flagged_entry_days=flagged,
        assessments=assessments,
        upcoming=upcoming,
        patient_reference=user.patient_reference,
        tz=user.tz,
    )


async def period_records(
    db: Database, user: User, start: date, end: date
) -> tuple[list[TreatmentOut], list[AssessmentOut], list[TreatmentOut]]:
    """The period's treatments and assessments, and the treatments just after it."""
    treatments = await records.between(db, TREATMENT, user, start, end, ALL)
    assessments = await records.between(db, ASSESSMENT, user, start, end, ALL)
    return treatments, assessments, await upcoming_sessions(db, user, end)


async def clinician_content(
    db: Database, user: User, start: date, end: date, clock: Clock
) -> tuple[Trends, ReportContent]:
    """The period's trends and the report's content, as the clinician link shows them."""
    trends = await load_trends(db, user, start, end, clock)
    treatments, assessments, upcoming = await period_records(db, user, start, end)
    today = clock().astimezone(user.tz).date()
    return trends, report_content(trends, treatments, assessments, upcoming, user.tz, today)


#: Enough records after a period to find its next planned sessions among done and cancelled ones.
UPCOMING_LOOKAHEAD = 50


async def upcoming_sessions(db: Database, user: User, end: date) -> list[TreatmentOut]:
    """Treatments after ``end`` (the report lists the next planned ones among them)."""
    first, _ = records.day_range(end + timedelta(days=1), None)
    rows = await db.read(records.rows_after, user.id, TREATMENT.name, first, UPCOMING_LOOKAHEAD)
    return [records.to_out(TREATMENT, row) for row in rows]


# --- routes -------------------------------------------------------------------------------------


class ExportController(Controller):
    """Owner-only downloads of the account's data (a share link has its own report route)."""

    path = "/api/export"
    tags = ("exports",)

    @get(
        "/report.pdf",
        summary="One-page clinician report (default: the last 90 days)",
        media_type="application/pdf",
    )
    async def report(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        first, last = period(user, start, end, services.clock)
        pdf = await report_pdf(
            services.db, user, first, last, services.clock, services.settings.report_paper
        )
        return attachment(pdf, "application/pdf", filename("report", first, last, "pdf"))

    @get("/entries.csv", media_type=CSV_MEDIA_TYPE, summary="Check-ins as CSV (UTF-8 with BOM)")
    async def entries(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        found = await records.between(services.db, ENTRY, user, start, end, ALL)
        return attachment(
            entries_csv(found), CSV_MEDIA_TYPE, filename("entries", start, end, "csv")
        )

    @get("/treatments.csv", media_type=CSV_MEDIA_TYPE, summary="Treatments as CSV (UTF-8 with BOM)")
    async def treatments(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        found = await records.between(services.db, TREATMENT, user, start, end, ALL)
        content = treatments_csv(found)
        return attachment(content, CSV_MEDIA_TYPE, filename("treatments", start, end, "csv"))

    @get(
        "/assessments.csv",
        media_type=CSV_MEDIA_TYPE,
        summary="PHQ-9 / GAD-7 results with answers as CSV (UTF-8 with BOM)",
    )
    async def assessments(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        found = await records.between(services.db, ASSESSMENT, user, start, end, ALL)
        content = assessments_csv(found)
        return attachment(content, CSV_MEDIA_TYPE, filename("assessments", start, end, "csv"))

    @get(
        "/fhir",
        media_type=FHIR_MEDIA_TYPE,
        summary="FHIR R4 Bundle: QuestionnaireResponses, Observations, Procedures",
        # The body is built as bytes; document it as the JSON object it is.
        responses={
            200: ResponseSpec(
                dict[str, Any],
                description="A FHIR R4 Bundle of type collection",
                media_type=FHIR_MEDIA_TYPE,
                generate_examples=False,
            )
        },
    )
    async def fhir_bundle(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        assessments = await records.between(services.db, ASSESSMENT, user, start, end, ALL)
        treatments = await records.between(services.db, TREATMENT, user, start, end, ALL)
        document = fhir.bundle(
            username=user.username,
            patient_name=patient_name(user),
            assessments=assessments,
            treatments=treatments,
            generated=services.clock(),
        )
        content = msgspec.json.encode(document)
        return attachment(content, FHIR_MEDIA_TYPE, filename("fhir", start, end, "json"))
