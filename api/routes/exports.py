"""Owner downloads for the clinician and for spreadsheets: the one-page PDF, CSV files and FHIR
R4. The documents are built by pure code in ``api.domain`` (``report``, ``csv_export``, ``fhir``).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any, Final

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from api.domain import csv_export, fhir
from api.domain.accounts import User, patient_name
from api.domain.kinds import ASSESSMENT, KINDS, TREATMENT, AssessmentOut, Kind, TreatmentOut
from api.domain.report import render_report
from api.domain.report.content import ReportContent, report_content
from api.domain.trends import Trends
from api.routes.params import EndDay, StartDay
from api.routes.trends import load_trends, period
from api.state import AppState
from api.store import records, trend_reads

CSV_MEDIA_TYPE: Final = "text/csv"  # Litestar adds "; charset=utf-8" to text/* types
FHIR_MEDIA_TYPE: Final = "application/fhir+json"


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


async def report_pdf(app_state: AppState, user: User, start: date, end: date) -> bytes:
    """The one-page clinician report of start..end (rendered off the event loop)."""
    db = app_state.db
    trends = await load_trends(app_state, user, start, end)
    treatments, assessments, upcoming = await period_records(app_state, user, start, end)
    flagged = await db.read(
        trend_reads.flagged_entry_days, user.id, start.isoformat(), end.isoformat()
    )
    return await asyncio.to_thread(
        render_report,
        patient=patient_name(user),
        trends=trends,
        treatments=treatments,
        generated=app_state.clock().astimezone(user.tz).date(),
        paper=app_state.settings.report_paper,
        flagged_entry_days=flagged,
        assessments=assessments,
        upcoming=upcoming,
        patient_reference=user.patient_reference,
        tz=user.tz,
    )


async def period_records(
    app_state: AppState, user: User, start: date, end: date
) -> tuple[list[TreatmentOut], list[AssessmentOut], list[TreatmentOut]]:
    """The period's treatments and assessments, and the treatments just after it."""
    db = app_state.db
    treatments = await records.between(db, TREATMENT, user, start, end, records.ALL)
    assessments = await records.between(db, ASSESSMENT, user, start, end, records.ALL)
    return treatments, assessments, await upcoming_sessions(app_state, user, end)


async def clinician_content(
    app_state: AppState, user: User, start: date, end: date
) -> tuple[Trends, ReportContent]:
    """The period's trends and the report's content, as the clinician link shows them."""
    trends = await load_trends(app_state, user, start, end)
    treatments, assessments, upcoming = await period_records(app_state, user, start, end)
    today = app_state.clock().astimezone(user.tz).date()
    return trends, report_content(trends, treatments, assessments, upcoming, user.tz, today)


#: Enough records after a period to find its next planned sessions among done and cancelled ones.
UPCOMING_LOOKAHEAD = 50


async def upcoming_sessions(app_state: AppState, user: User, end: date) -> list[TreatmentOut]:
    """Treatments after ``end`` (the report lists the next planned ones among them)."""
    first = (end + timedelta(days=1)).isoformat()
    rows = await app_state.db.read(
        records.rows_after,
        app_state.db.keyring,
        user.id,
        TREATMENT.name,
        first,
        UPCOMING_LOOKAHEAD,
    )
    return [TREATMENT.out(row) for row in rows]


# --- routes -------------------------------------------------------------------------------------

CSV_SUMMARIES: Final = {
    "entry": "Check-ins as CSV (UTF-8 with BOM)",
    "treatment": "Treatments as CSV (UTF-8 with BOM)",
    "assessment": "PHQ-9 / GAD-7 results with answers as CSV (UTF-8 with BOM)",
}


def csv_route(kind: Kind[Any, Any]) -> HTTPRouteHandler:
    """``GET /api/export/<path>.csv``: every record of a kind in a day range, as a CSV file."""

    @get(
        f"/api/export/{kind.path}.csv",
        media_type=CSV_MEDIA_TYPE,
        tags=["exports"],
        summary=CSV_SUMMARIES[kind.name],
        name=f"{kind.path}_csv",
    )
    async def export_csv(
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        found = await records.between(app_state.db, kind, user, start, end, records.ALL)
        content = csv_export.CSV_WRITERS[kind.name](found)
        return attachment(content, CSV_MEDIA_TYPE, filename(kind.path, start, end, "csv"))

    return export_csv


CSV_ROUTES = [csv_route(kind) for kind in KINDS.values() if kind.name in csv_export.CSV_WRITERS]


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
        app_state: NamedDependency[AppState],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        first, last = period(user, start, end, app_state.clock)
        pdf = await report_pdf(app_state, user, first, last)
        return attachment(pdf, "application/pdf", filename("report", first, last, "pdf"))

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
        app_state: NamedDependency[AppState],
        start: StartDay = None,
        end: EndDay = None,
    ) -> Response[bytes]:
        assessments = await records.between(app_state.db, ASSESSMENT, user, start, end, records.ALL)
        treatments = await records.between(app_state.db, TREATMENT, user, start, end, records.ALL)
        document = fhir.bundle(
            username=user.username,
            patient_name=patient_name(user),
            assessments=assessments,
            treatments=treatments,
            generated=app_state.clock(),
        )
        content = msgspec.json.encode(document)
        return attachment(content, FHIR_MEDIA_TYPE, filename("fhir", start, end, "json"))
