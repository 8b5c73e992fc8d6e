"""Versioned records (entries, treatments, assessments) and the changes feed, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import ENTRY, TREATMENT, new_id

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
PHQ9 = {
    "instrument": "phq9",
    "answers": [1, 2, 1, 1, 0, 1, 2, 1, 0],
    "difficulty": 1,
    "taken_at": "2026-11-19T20:00:00-05:00",
}
KINDS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("entries", ENTRY, {"mood": 7}),
    ("treatments", TREATMENT, {"dose_mg": 40.0}),
    ("assessments", PHQ9, {"answers": [0, 0, 0, 0, 0, 0, 0, 0, 0]}),
]


@pytest.mark.parametrize(("path", "body", "change"), KINDS)
async def test_put_get_replace_delete(
    alice: Client, path: str, body: dict[str, Any], change: dict[str, Any]
) -> None:
    record_id = new_id()
    created = await alice.put(f"/api/{path}/{record_id}", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    assert created.json()["id"] == record_id
    fetched = await alice.get(f"/api/{path}/{record_id}")
    assert fetched.status_code == 200
    assert fetched.json() == {**created.json(), "crisis": None}
    replaced = await alice.put(
        f"/api/{path}/{record_id}", json={**body, **change, "base_version": 1}
    )
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    listed = await alice.get(f"/api/{path}")
    assert [r["id"] for r in listed.json()] == [record_id]
    assert (await alice.delete(f"/api/{path}/{record_id}")).status_code == 204
    assert (await alice.get(f"/api/{path}/{record_id}")).status_code == 404
    assert (await alice.get(f"/api/{path}")).json() == []
    # Deleting again is harmless; a PUT never brings a deleted record back.
    assert (await alice.delete(f"/api/{path}/{record_id}")).status_code == 204
    revived = await alice.put(f"/api/{path}/{record_id}", json=body)
    assert revived.status_code == 409
    assert revived.json()["current"]["deleted"] is True


@pytest.mark.parametrize(("path", "body"), [(path, body) for path, body, _ in KINDS])
async def test_repeated_put_is_idempotent(alice: Client, path: str, body: dict[str, Any]) -> None:
    record_id = new_id()
    first = await alice.put(f"/api/{path}/{record_id}", json={**body, "base_version": 0})
    again = await alice.put(f"/api/{path}/{record_id}", json={**body, "base_version": 0})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    changes = (await alice.get("/api/changes")).json()["changes"]
    assert len(changes) == 1
    assert changes[0]["version"] == 1


@pytest.mark.parametrize(("path", "body", "change"), KINDS)
async def test_stale_base_version_gets_409_with_server_copy(
    alice: Client, path: str, body: dict[str, Any], change: dict[str, Any]
) -> None:
    record_id = new_id()
    await alice.put(f"/api/{path}/{record_id}", json=body)
    await alice.put(f"/api/{path}/{record_id}", json={**body, **change, "base_version": 1})
    stale = await alice.put(f"/api/{path}/{record_id}", json={**body, "base_version": 1})
    assert stale.status_code == 409
    current = stale.json()["current"]
    assert current["version"] == 2
    assert current["id"] == record_id
    assert all(current[key] == value for key, value in change.items())
    stale_delete = await alice.delete(f"/api/{path}/{record_id}", params={"base_version": 1})
    assert stale_delete.status_code == 409
    assert (await alice.get(f"/api/{path}/{record_id}")).status_code == 200


async def test_entry_validation_names_fields(alice: Client) -> None:
    cases = {
        "mood": {"day": "2026-11-20", "mood": 11},
        "anxiety": {"day": "2026-11-20", "mood": 5, "anxiety": -1},
        "sleep_hours": {"day": "2026-11-20", "mood": 5, "sleep_hours": 25},
        "tags": {"day": "2026-11-20", "mood": 5, "tags": ["x"] * 21},
        "note": {"day": "2026-11-20", "mood": 5, "note": "x" * 10_001},
        "day": {"day": "2099-01-01", "mood": 5},
    }
    for field, body in cases.items():
        response = await alice.put(f"/api/entries/{new_id()}", json=body)
        assert response.status_code == 400, field
        assert field in response.json()["extra"][0]["key"], response.json()
    long_tag = await alice.put(
        f"/api/entries/{new_id()}", json={"day": "2026-11-20", "mood": 5, "tags": ["x" * 41]}
    )
    assert long_tag.status_code == 400
    assert "tags" in long_tag.json()["extra"][0]["key"]
    missing = await alice.put(f"/api/entries/{new_id()}", json={"day": "2026-11-20"})
    assert missing.status_code == 400
    assert "mood" in str(missing.json())
    not_uuid = await alice.put("/api/entries/not-a-uuid", json=ENTRY)
    assert not_uuid.status_code in (400, 404)
    assert (await alice.get("/api/entries")).json() == []  # nothing was half-written


async def test_treatment_validation(alice: Client) -> None:
    naive = await alice.put(
        f"/api/treatments/{new_id()}", json={**TREATMENT, "at": "2026-11-18T10:00:00"}
    )
    assert naive.status_code == 400
    assert "at" in naive.json()["extra"][0]["key"]
    kind = await alice.put(f"/api/treatments/{new_id()}", json={**TREATMENT, "kind": "tea"})
    assert kind.status_code == 400
    assert "kind" in kind.json()["extra"][0]["key"]
    future_done = await alice.put(
        f"/api/treatments/{new_id()}", json={**TREATMENT, "at": "2030-01-01T10:00:00Z"}
    )
    assert future_done.status_code == 400
    assert future_done.json()["extra"][0]["key"] == "at"
    planned = await alice.put(
        f"/api/treatments/{new_id()}",
        json={**TREATMENT, "status": "planned", "at": "2030-01-01T10:00:00Z"},
    )
    assert planned.status_code == 201
    bp = await alice.put(
        f"/api/treatments/{new_id()}",
        json={**TREATMENT, "bp_before": {"systolic": 500, "diastolic": 80}},
    )
    assert bp.status_code == 400
    assert "bp_before" in bp.json()["extra"][0]["key"]


async def test_treatment_list_filters_by_status_and_period(alice: Client) -> None:
    done, planned = new_id(), new_id()
    await alice.put(f"/api/treatments/{done}", json=TREATMENT)
    await alice.put(
        f"/api/treatments/{planned}",
        json={**TREATMENT, "status": "planned", "at": "2026-12-02T09:00:00-05:00"},
    )
    only_planned = await alice.get("/api/treatments", params={"status": "planned"})
    assert [t["id"] for t in only_planned.json()] == [planned]
    november = await alice.get("/api/treatments", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert [t["id"] for t in november.json()] == [done]
    backwards = await alice.get(
        "/api/treatments", params={"from": "2026-11-30", "to": "2026-11-01"}
    )
    assert backwards.status_code == 400


async def test_assessment_scoring_and_validation(alice: Client) -> None:
    scored = await alice.put(f"/api/assessments/{new_id()}", json=PHQ9)
    assert scored.status_code == 201
    assert scored.json()["total"] == 9
    assert scored.json()["band"] == "mild"
    assert scored.json()["flagged"] is False
    assert scored.json()["crisis"] is None
    short = await alice.put(f"/api/assessments/{new_id()}", json={**PHQ9, "answers": [1] * 8})
    assert short.status_code == 400
    assert short.json()["extra"][0]["key"] == "answers"
    out_of_range = await alice.put(
        f"/api/assessments/{new_id()}", json={**PHQ9, "answers": [1, 1, 1, 1, 4, 1, 1, 1, 1]}
    )
    assert out_of_range.status_code == 400
    assert "answers" in out_of_range.json()["extra"][0]["key"]
    gad7 = await alice.put(
        f"/api/assessments/{new_id()}",
        json={"instrument": "gad7", "answers": [3] * 7, "taken_at": "2026-11-19T20:00:00-05:00"},
    )
    assert gad7.json()["total"] == 21
    assert gad7.json()["band"] == "severe"
    listed = await alice.get("/api/assessments", params={"instrument": "gad7"})
    assert [a["instrument"] for a in listed.json()] == ["gad7"]


async def test_crisis_block_for_item_9_and_lowest_mood(alice: Client) -> None:
    item9 = await alice.put(
        f"/api/assessments/{new_id()}", json={**PHQ9, "answers": [0, 0, 0, 0, 0, 0, 0, 0, 1]}
    )
    body = item9.json()
    assert body["flagged"] is True
    crisis = body["crisis"]
    assert "988" in str(crisis["resources"])
    assert "real time" in crisis["not_monitored"]
    lowest = await alice.put(f"/api/entries/{new_id()}", json={**ENTRY, "mood": 0})
    assert lowest.json()["flagged"] is True
    assert lowest.json()["crisis"]["resources"]
    fine = await alice.put(f"/api/entries/{new_id()}", json={**ENTRY, "mood": 1})
    assert fine.json()["flagged"] is False
    assert fine.json()["crisis"] is None
    assert "safe" not in fine.text.lower()


async def test_instruments_are_public(client: Client) -> None:
    body = (await client.get("/api/instruments")).json()
    phq9 = next(i for i in body["instruments"] if i["id"] == "phq9")
    assert len(phq9["items"]) == 9
    assert "Pfizer" in phq9["attribution"]


async def test_changes_feed_includes_tombstones_in_order(alice: Client) -> None:
    first, second = new_id(), new_id()
    await alice.put(f"/api/entries/{first}", json=ENTRY)
    await alice.put(f"/api/treatments/{second}", json=TREATMENT)
    await alice.delete(f"/api/entries/{first}")
    page = (await alice.get("/api/changes", params={"since": 0})).json()
    assert [(c["kind"], c["id"], c["deleted"]) for c in page["changes"]] == [
        ("treatment", second, False),
        ("entry", first, True),
    ]
    assert page["changes"][1]["record"] is None
    assert page["more"] is False
    later = (await alice.get("/api/changes", params={"since": page["next"]})).json()
    assert later["changes"] == []
    assert later["next"] == page["next"]


async def test_paging_through_changes_while_writes_land_skips_nothing(alice: Client) -> None:
    written: dict[str, int] = {}
    for _ in range(5):
        record_id = new_id()
        await alice.put(f"/api/entries/{record_id}", json=ENTRY)
        written[record_id] = 1
    seen: dict[str, int] = {}
    cursor, pages = 0, 0
    while True:
        page = (await alice.get("/api/changes", params={"since": cursor, "limit": 2})).json()
        for change in page["changes"]:
            seen[change["id"]] = change["version"]
        cursor = page["next"]
        pages += 1
        if pages <= 3:  # writes land between pages: an edit of an old record and a new one
            edited = next(iter(written))
            reply = await alice.put(f"/api/entries/{edited}", json={**ENTRY, "mood": pages})
            written[edited] = reply.json()["version"]
            record_id = new_id()
            await alice.put(f"/api/entries/{record_id}", json=ENTRY)
            written[record_id] = 1
        elif not page["more"]:
            break
    assert seen == written


async def test_entries_range_sorted_and_capped(alice: Client) -> None:
    for day in ("2026-11-03", "2026-11-01", "2026-11-02"):
        await alice.put(f"/api/entries/{new_id()}", json={**ENTRY, "day": day})
    days = [e["day"] for e in (await alice.get("/api/entries")).json()]
    assert days == ["2026-11-01", "2026-11-02", "2026-11-03"]
    capped = await alice.get("/api/entries", params={"limit": 2})
    assert [e["day"] for e in capped.json()] == ["2026-11-02", "2026-11-03"]
    ranged = await alice.get("/api/entries", params={"from": "2026-11-02", "to": "2026-11-02"})
    assert [e["day"] for e in ranged.json()] == ["2026-11-02"]
    too_many = await alice.get("/api/entries", params={"limit": 100_000})
    assert too_many.status_code == 400
