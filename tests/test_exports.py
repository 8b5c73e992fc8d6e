"""CSV and FHIR exports: what a spreadsheet or a clinic system receives."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from fhir.resources.R4B.bundle import Bundle
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.domain import csv_export, fhir
from api.settings import Settings
from tests.helpers import new_id, register

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
PHQ9 = {
    "instrument": "phq9",
    "answers": [3, 2, 2, 1, 1, 1, 1, 0, 1],
    "difficulty": 2,
    "taken_at": "2026-06-01T09:30:00+02:00",
}
GAD7 = {
    "instrument": "gad7",
    "answers": [1, 1, 1, 0, 0, 2, 1],
    "difficulty": 1,
    "taken_at": "2026-06-02T09:30:00+02:00",
}
DONE = {
    "at": "2026-06-03T10:00:00+02:00",
    "kind": "iv_infusion",
    "status": "done",
    "dose_mg": 35.0,
    "side_effects": ["dissociation", "=nausea"],
    "bp_before": {"systolic": 128, "diastolic": 82},
    "bp_after": {"systolic": 162, "diastolic": 98},
    "notes": "Drove home by my sister",
}
PLANNED = {"at": "2026-07-03T10:00:00+02:00", "kind": "esketamine_nasal", "status": "planned"}


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, clock=lambda: NOW)


async def put(client: Client, path: str, body: dict[str, Any]) -> str:
    record_id = new_id()
    response = await client.put(f"/api/{path}/{record_id}", json=body)
    assert response.status_code == 201, response.text
    return record_id


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_neutralised(start: str) -> None:
    assert csv_export.neutralise(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert csv_export.neutralise(f"a{start}b") == f"a{start}b"


async def test_entries_csv(client: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris")
    note = 'Caf\u00e9 \u2014 na\u00efve \U0001f642\nsecond line, with "quotes"'
    first = await put(
        client,
        "entries",
        {
            "day": "2026-06-01",
            "time": "08:15:00",
            "mood": 6,
            "tags": ["-walk", "sun"],
            "note": note,
        },
    )
    await put(client, "entries", {"day": "2026-06-02", "mood": 4, "note": '=HYPERLINK("x")'})
    await put(client, "entries", {"day": "2026-06-20", "mood": 7})

    response = await client.get("/api/export/entries.csv?from=2026-06-01&to=2026-06-10")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="waypoint-entries-2026-06-01-to-2026-06-10.csv"'
    )
    rows = read_csv(response.content)
    assert rows[0] == list(csv_export.ENTRY_COLUMNS)
    assert len(rows) == 3  # header + the two check-ins in range
    by_column = dict(zip(rows[0], rows[1], strict=True))
    assert by_column["id"] == first
    assert by_column["day"] == "2026-06-01"
    assert by_column["time"] == "08:15:00"
    assert by_column["mood"] == "6"
    assert by_column["anxiety"] == ""  # unknown stays empty, never 0
    assert by_column["tags"] == "'-walk; sun"
    assert by_column["note"] == note  # non-ASCII and a newline survive the round trip
    assert by_column["version"] == "1"
    assert rows[2][rows[0].index("note")] == '\'=HYPERLINK("x")'

    everything = read_csv((await client.get("/api/export/entries.csv")).content)
    assert len(everything) == 4


async def test_treatments_and_assessments_csv(client: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris")
    await put(client, "treatments", DONE)
    await put(client, "assessments", PHQ9)
    await put(client, "assessments", GAD7)

    treatments = read_csv((await client.get("/api/export/treatments.csv")).content)
    assert treatments[0] == list(csv_export.TREATMENT_COLUMNS)
    row = dict(zip(treatments[0], treatments[1], strict=True))
    assert row["at"] == "2026-06-03T10:00:00+02:00"
    assert row["dose_mg"] == "35.0"
    assert row["side_effects"] == "dissociation; =nausea"  # not at the start: no prefix
    assert (row["bp_before_systolic"], row["bp_before_diastolic"]) == ("128", "82")
    assert row["bp_after_systolic"] == "162"

    assessments = read_csv((await client.get("/api/export/assessments.csv")).content)
    assert assessments[0] == list(csv_export.ASSESSMENT_COLUMNS)
    phq9 = dict(zip(assessments[0], assessments[1], strict=True))
    assert phq9["instrument"] == "phq9"
    assert phq9["total"] == "12"
    assert phq9["band"] == "moderate"
    assert phq9["item_1"] == "3"
    assert phq9["item_9"] == "1"
    assert phq9["difficulty"] == "2"
    assert phq9["flagged"] == "true"  # item 9 above 0
    gad7 = dict(zip(assessments[0], assessments[2], strict=True))
    assert gad7["total"] == "6"
    assert gad7["item_7"] == "1"
    assert gad7["item_8"] == ""


async def test_fhir_bundle_validates_with_loinc_codes_and_links(client: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris", display_name="Ana Lima")
    phq9_id = await put(client, "assessments", PHQ9)
    gad7_id = await put(client, "assessments", GAD7)
    done_id = await put(client, "treatments", DONE)
    await put(client, "treatments", PLANNED)

    response = await client.get("/api/export/fhir")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)  # FHIR R4(B) structure validation
    assert bundle.type == "collection"
    document = response.json()
    entries = document["entry"]
    by_url = {e["fullUrl"]: e["resource"] for e in entries}
    # patient, QR + Observation each, 1 done session with its 2 blood-pressure readings
    assert len(by_url) == len(entries) == 1 + 2 * 2 + 1 + 2
    assert all(url == f"urn:uuid:{r['id']}" for url, r in by_url.items())

    patient = next(r for r in by_url.values() if r["resourceType"] == "Patient")
    assert patient["name"] == [{"text": "Ana Lima"}]
    qr = by_url[f"urn:uuid:{phq9_id}"]
    assert qr["resourceType"] == "QuestionnaireResponse"
    assert qr["status"] == "completed"
    assert qr["questionnaire"] == "http://loinc.org/q/44249-1"
    assert qr["subject"]["reference"] == f"urn:uuid:{patient['id']}"
    link_ids = [item["linkId"] for item in qr["item"]]
    assert link_ids[:9] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8",
    ]  # fmt: skip
    assert qr["item"][0]["answer"][0]["valueCoding"]["code"] == "LA6571-9"  # 3 = nearly every day
    assert qr["item"][9]["linkId"] == "69722-7"  # difficulty
    assert qr["item"][9]["answer"][0]["valueCoding"]["code"] == "LA6575-0"  # 2 = very difficult
    assert qr["item"][-1] == {
        "linkId": "44261-6",
        "text": "PHQ-9 total score",
        "answer": [{"valueInteger": 12}],
    }
    gad7 = by_url[f"urn:uuid:{gad7_id}"]
    assert gad7["questionnaire"] == "http://loinc.org/q/69737-5"
    assert gad7["item"][7]["linkId"] == "69722-7"  # GAD-7 closes with the same question
    assert gad7["item"][7]["text"].startswith("If you checked off any problems, how difficult")
    assert gad7["item"][7]["answer"][0]["valueCoding"]["code"] == "LA6573-5"  # somewhat

    observations = [r for r in by_url.values() if r["resourceType"] == "Observation"]
    vitals = [o for o in observations if o["code"]["coding"][0]["code"] == "85354-9"]
    assert [o["category"][0]["coding"][0]["code"] for o in vitals] == ["vital-signs"] * 2
    assert all(o["partOf"] == [{"reference": f"urn:uuid:{done_id}"}] for o in vitals)
    readings = [
        {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in o["component"]}
        for o in vitals
    ]
    assert readings == [{"8480-6": 128, "8462-4": 82}, {"8480-6": 162, "8462-4": 98}]
    units = {c["valueQuantity"]["code"] for o in vitals for c in o["component"]}
    assert units == {"mm[Hg]"}
    assert "before" in vitals[0]["note"][0]["text"]
    assert "after" in vitals[1]["note"][0]["text"]
    codes = {o["code"]["coding"][0]["code"]: o for o in observations if o not in vitals}
    assert set(codes) == {"44261-6", "70274-6"}
    total = codes["44261-6"]
    assert total["status"] == "final"
    assert total["category"][0]["coding"][0]["code"] == "survey"
    assert total["valueQuantity"] == {
        "value": 12,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert total["effectiveDateTime"] == "2026-06-01T09:30:00+02:00"
    assert total["derivedFrom"] == [{"reference": f"urn:uuid:{phq9_id}"}]
    assert total["id"] == fhir.observation_id(phq9_id)
    assert codes["70274-6"]["derivedFrom"] == [{"reference": f"urn:uuid:{gad7_id}"}]

    (procedure,) = [r for r in by_url.values() if r["resourceType"] == "Procedure"]
    assert procedure["id"] == done_id
    assert procedure["status"] == "completed"
    assert procedure["performedDateTime"] == "2026-06-03T10:00:00+02:00"
    assert "Dose: 35 mg" in [note["text"] for note in procedure["note"]]
    assert procedure["complication"] == [{"text": "dissociation"}, {"text": "=nausea"}]

    again = (await client.get("/api/export/fhir")).json()
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in entries]  # stable ids


async def test_fhir_range_and_empty_bundle(client: Client) -> None:
    await register(client, "ana")
    await put(client, "assessments", PHQ9)
    response = await client.get("/api/export/fhir?from=2026-06-10&to=2026-06-30")
    bundle = Bundle.model_validate_json(response.content)
    assert [type(e.resource).__name__ for e in bundle.entry or []] == ["Patient"]
    assert "waypoint-fhir-2026-06-10-to-2026-06-30.json" in response.headers["content-disposition"]


async def test_exports_are_owner_only(client: Client, other: Client) -> None:
    for path in ("entries.csv", "treatments.csv", "assessments.csv", "fhir", "report.pdf"):
        assert (await client.get(f"/api/export/{path}")).status_code == 401
    await register(client, "ana")
    await put(client, "entries", {"day": "2026-06-01", "mood": 6, "note": "ana's secret"})
    await register(other, "ben")
    theirs = await other.get("/api/export/entries.csv")
    assert len(read_csv(theirs.content)) == 1  # only the header
    assert b"secret" not in theirs.content
    fhir_json = msgspec.json.decode((await other.get("/api/export/fhir")).content)
    assert len(fhir_json["entry"]) == 1


async def test_reversed_range_is_400(client: Client) -> None:
    await register(client, "ana")
    response = await client.get("/api/export/entries.csv?from=2026-06-10&to=2026-06-01")
    assert response.status_code == 400
