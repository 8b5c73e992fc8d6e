"""The account archive (out, in, again) and the Daylio import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from tests.helpers import new_id, register

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
KINDS = ("entries", "treatments", "assessments")
CSV = {"content-type": "text/csv"}


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, clock=lambda: NOW)


@pytest.fixture
async def second_server(tmp_path: Path) -> AsyncIterator[Client]:
    """Another Waypoint server on its own, fresh database file."""
    settings = Settings(db_path=tmp_path / "second.sqlite3")
    async with AsyncTestClient(app=create_app(settings, clock=lambda: NOW)) as client:
        yield client


async def put(client: Client, path: str, body: dict[str, Any]) -> str:
    record_id = new_id()
    response = await client.put(f"/api/{path}/{record_id}", json=body)
    assert response.status_code == 201, response.text
    return record_id


async def fill(client: Client) -> None:
    await put(client, "entries", {"day": "2026-06-01", "mood": 4, "tags": ["walk"], "note": "ok"})
    await put(client, "entries", {"day": "2026-06-02", "time": "21:00:00", "mood": 0})
    await put(
        client,
        "entries",
        {
            "day": "2026-06-03",
            "mood": 7,
            "anxiety": 2,
            "sleep_hours": 7.5,
            "note": "Caf\u00e9 \U0001f642",
        },
    )
    await put(
        client,
        "treatments",
        {
            "at": "2026-06-01T10:00:00+02:00",
            "kind": "iv_infusion",
            "status": "done",
            "dose_mg": 35.0,
            "side_effects": ["nausea"],
            "bp_after": {"systolic": 140, "diastolic": 90},
        },
    )
    await put(
        client,
        "treatments",
        {"at": "2026-07-08T10:00:00+02:00", "kind": "esketamine_nasal", "status": "planned"},
    )
    phq9 = {
        "instrument": "phq9",
        "answers": [3, 3, 2, 2, 2, 1, 1, 1, 1],
        "difficulty": 1,
        "taken_at": "2026-05-31T09:00:00+02:00",
    }
    await put(client, "assessments", phq9)
    gad7 = {"instrument": "gad7", "answers": [1] * 7, "taken_at": "2026-06-14T09:00:00+02:00"}
    await put(client, "assessments", gad7)
    # An edit, so a record has version 2 on the first server.
    edited = new_id()
    await put(client, "entries", {"day": "2026-06-04", "mood": 5})
    await client.put(f"/api/entries/{edited}", json={"day": "2026-06-05", "mood": 5})
    await client.put(f"/api/entries/{edited}", json={"day": "2026-06-05", "mood": 6})


async def everything(client: Client) -> dict[str, list[dict[str, Any]]]:
    """Every record as GET returns it, minus what a server assigns (version, updated_at)."""
    found = {}
    for kind in KINDS:
        response = await client.get(f"/api/{kind}")
        assert response.status_code == 200
        found[kind] = [
            {k: v for k, v in record.items() if k not in ("version", "updated_at")}
            for record in response.json()
        ]
    return found


async def test_archive_round_trip_to_a_fresh_server(client: Client, second_server: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris", display_name="Ana")
    profile = {"baseline_date": "2026-05-31", "clinic_phone": "555 0100", "patient_reference": "R7"}
    assert (await client.patch("/api/account", json=profile)).is_success
    await fill(client)
    response = await client.get("/api/export/archive")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    archive = response.json()
    assert archive["format"] == "waypoint-archive"
    assert archive["version"] == 1
    assert archive["account"] == {
        "username": "ana",
        "display_name": "Ana",
        "timezone": "Europe/Paris",
        "baseline_date": "2026-05-31",
        "clinic_phone": "555 0100",
        "patient_reference": "R7",
    }
    assert {len(archive[kind]) for kind in KINDS} == {2, 5}
    assert max(e["version"] for e in archive["entries"]) == 2

    await register(second_server, "ana-again")  # a fresh account: UTC, no name, no baseline
    imported = await second_server.post("/api/import/archive", json=archive)
    assert imported.status_code == 200, imported.text
    result = imported.json()
    assert (result["created"], result["unchanged"], result["conflicts"]) == (9, 0, 0)
    assert result["account_updated"] == [
        "baseline_date", "clinic_phone", "display_name", "patient_reference", "timezone",
    ]  # fmt: skip
    assert await everything(second_server) == await everything(client)
    account = (await second_server.get("/api/account")).json()
    assert (account["timezone"], account["display_name"]) == ("Europe/Paris", "Ana")
    trends_there = (await second_server.get("/api/trends?from=2026-06-01&to=2026-06-30")).json()
    trends_here = (await client.get("/api/trends?from=2026-06-01&to=2026-06-30")).json()
    assert trends_there == trends_here


async def test_importing_the_same_archive_again_changes_nothing(client: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris")
    await fill(client)
    archive = (await client.get("/api/export/archive")).json()
    changes_before = (await client.get("/api/changes")).json()
    before = {kind: (await client.get(f"/api/{kind}")).json() for kind in KINDS}

    for _ in range(2):
        response = await client.post("/api/import/archive", json=archive)
        assert response.status_code == 200
        assert response.json()["created"] == 0
        assert response.json()["unchanged"] == 9
        assert response.json()["conflicts"] == 0
        assert response.json()["account_updated"] == []

    assert {kind: (await client.get(f"/api/{kind}")).json() for kind in KINDS} == before
    assert (await client.get("/api/changes")).json() == changes_before


async def test_archive_moves_to_another_account_on_the_same_server(client: Client) -> None:
    await register(client, "ana", timezone="Europe/Paris")
    await fill(client)
    archive = (await client.get("/api/export/archive")).json()
    await client.delete("/api/session")
    await register(client, "ben")
    first = await client.post("/api/import/archive", json=archive)
    assert first.status_code == 200
    assert first.json()["created"] == 9
    again = await client.post("/api/import/archive", json=archive)
    assert again.json()["created"] == 0
    assert again.json()["unchanged"] == 9
    entries = (await client.get("/api/entries")).json()
    assert sorted(e["note"] for e in entries) == sorted(e["note"] for e in archive["entries"])


async def test_import_never_overwrites_a_different_server_copy(client: Client) -> None:
    await register(client, "ana")
    record_id = await put(client, "entries", {"day": "2026-06-01", "mood": 4, "note": "old"})
    archive = (await client.get("/api/export/archive")).json()
    newer = await client.put(
        f"/api/entries/{record_id}", json={"day": "2026-06-01", "mood": 8, "note": "newer"}
    )
    assert newer.status_code == 200
    response = await client.post("/api/import/archive", json=archive)
    assert response.json()["conflicts"] == 1
    assert response.json()["conflicted"] == [{"kind": "entry", "id": record_id}]
    kept = (await client.get(f"/api/entries/{record_id}")).json()
    assert (kept["note"], kept["version"]) == ("newer", 2)


async def test_bad_archives_are_refused_whole(client: Client) -> None:
    await register(client, "ana")
    wrong_format = await client.post("/api/import/archive", json={"format": "x", "version": 1})
    assert wrong_format.status_code == 400
    assert wrong_format.json()["extra"][0]["key"] == "format"
    wrong_version = await client.post(
        "/api/import/archive", json={"format": "waypoint-archive", "version": 2}
    )
    assert wrong_version.status_code == 400
    entry = {"id": new_id(), "day": "2026-06-01", "mood": 5}
    bad = {
        "format": "waypoint-archive",
        "version": 1,
        "entries": [entry, {"id": new_id(), "day": "2026-06-02", "mood": 11}],
    }
    response = await client.post("/api/import/archive", json=bad)
    assert response.status_code == 400
    assert "entries" in response.json()["extra"][0]["key"]
    questionnaire = {
        "id": new_id(),
        "instrument": "gad7",
        "answers": [1, 1],
        "taken_at": "2026-06-01T09:00:00Z",
    }
    short = {
        "format": "waypoint-archive",
        "version": 1,
        "entries": [entry],
        "assessments": [questionnaire],
    }
    response = await client.post("/api/import/archive", json=short)
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "assessments[0].answers"
    assert (await client.get("/api/entries")).json() == []  # nothing half-imported


async def test_import_needs_a_session(client: Client) -> None:
    assert (await client.get("/api/export/archive")).status_code == 401
    archive = {"format": "waypoint-archive", "version": 1}
    assert (await client.post("/api/import/archive", json=archive)).status_code == 401
    assert (await client.post("/api/import/daylio", content=b"x", headers=CSV)).status_code == 401


DAYLIO = (
    "\ufefffull_date,date,weekday,time,mood,activities,note_title,note\r\n"
    "2026-06-05,June 5,Friday,21:30,rad,friends | walk | good sleep,Great day,Saw Mia.\r\n"
    '2026-06-04,June 4,Thursday,9:15 PM,good,work,,"Long day,\r\nbut fine"\r\n'
    "2026-06-03,June 3,Wednesday,08:00,meh,,,\r\n"
    "2026-06-02,June 2,Tuesday,22:10,bad,work | rain,Tired,\r\n"
    "2026-06-01,June 1,Monday,23:45,Awful,,,=not a formula\r\n"
)


async def test_daylio_import_maps_moods_tags_and_notes(client: Client) -> None:
    await register(client, "ana")
    response = await client.post("/api/import/daylio", content=DAYLIO.encode(), headers=CSV)
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["unchanged"]) == (5, 0)
    entries = {e["day"]: e for e in (await client.get("/api/entries")).json()}
    assert {day: e["mood"] for day, e in entries.items()} == {
        "2026-06-05": 9,
        "2026-06-04": 7,
        "2026-06-03": 5,
        "2026-06-02": 3,
        "2026-06-01": 1,
    }
    rad = entries["2026-06-05"]
    assert rad["tags"] == ["friends", "walk", "good sleep"]
    assert rad["note"] == "Great day\n\nSaw Mia."
    assert rad["time"] == "21:30:00"
    assert entries["2026-06-04"]["time"] == "21:15:00"
    assert entries["2026-06-04"]["note"] == "Long day,\r\nbut fine"
    assert entries["2026-06-02"]["note"] == "Tired"
    assert entries["2026-06-01"]["flagged"] is False  # "awful" is not Waypoint's crisis score

    again = await client.post("/api/import/daylio", content=DAYLIO.encode(), headers=CSV)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 5)
    assert len((await client.get("/api/entries")).json()) == 5


async def test_daylio_bad_rows_are_reported_and_nothing_is_imported(client: Client) -> None:
    await register(client, "ana")
    lines = DAYLIO.splitlines(keepends=True)
    bad = "".join(
        [
            *lines[:4],  # header (line 1), a good row (2), a row spanning lines 3-4
            "2026-13-40,x,x,10:00,good,,,\r\n",  # line 5: bad date
            "2026-06-06,x,x,10:00,ecstatic,,,\r\n",  # line 6: a custom mood
            "2026-06-07,x,x,10:00,good,,," + "n" * 10_001 + "\r\n",  # line 7: note too long
        ]
    )
    response = await client.post("/api/import/daylio", content=bad.encode(), headers=CSV)
    assert response.status_code == 400
    assert response.json()["extra"] == [
        {"line": 5, "field": "full_date", "message": "must be a date like 2024-05-31."},
        {
            "line": 6,
            "field": "mood",
            "message": "is not one of Daylio's default moods (rad, good, meh, bad, awful).",
        },
        {"line": 7, "field": "note", "message": "Expected `str` of length <= 10000."},
    ]
    assert (await client.get("/api/entries")).json() == []


async def test_daylio_rejects_what_is_not_a_daylio_export(client: Client) -> None:
    await register(client, "ana")
    other = await client.post("/api/import/daylio", content=b"a,b\r\n1,2\r\n", headers=CSV)
    assert other.status_code == 400
    assert other.json()["extra"][0]["field"] == "header"
    binary = await client.post("/api/import/daylio", content=b"\xff\xfe\x00", headers=CSV)
    assert binary.status_code == 400
    future = "full_date,time,mood\r\n2026-08-01,10:00,good\r\n"
    response = await client.post("/api/import/daylio", content=future.encode(), headers=CSV)
    assert response.status_code == 400
    assert response.json()["extra"][0]["field"] == "day"
