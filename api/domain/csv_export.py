"""CSV files of the journal, for spreadsheets.

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

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, Final

from api.domain.kinds import AssessmentOut, EntryOut, TreatmentOut

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

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


#: The CSV file of each record kind, by kind name.
CSV_WRITERS: Final[dict[str, Callable[[Iterable[Any]], bytes]]] = {
    "entry": entries_csv,
    "treatment": treatments_csv,
    "assessment": assessments_csv,
}
