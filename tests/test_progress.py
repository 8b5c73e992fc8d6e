"""GET /api/trends through HTTP: the storage side of the trend maths, and its cache."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import ENTRY, TREATMENT, new_id

Client = AsyncTestClient[Litestar]
PERIOD = {"from": "2026-11-01", "to": "2026-11-20"}


async def test_trends_follow_every_change(alice: Client) -> None:
    empty = (await alice.get("/api/trends", params=PERIOD)).json()
    assert len(empty["days"]) == 20
    assert all(d["mood"] is None for d in empty["days"])
    record_id = new_id()
    await alice.put(f"/api/entries/{record_id}", json={**ENTRY, "day": "2026-11-10", "mood": 4})
    one = (await alice.get("/api/trends", params=PERIOD)).json()
    assert [d["mood"] for d in one["days"] if d["mood"] is not None] == [4]
    await alice.put(f"/api/entries/{record_id}", json={**ENTRY, "day": "2026-11-10", "mood": 8})
    edited = (await alice.get("/api/trends", params=PERIOD)).json()
    assert [d["mood"] for d in edited["days"] if d["mood"] is not None] == [8]
    await alice.delete(f"/api/entries/{record_id}")
    deleted = (await alice.get("/api/trends", params=PERIOD)).json()
    assert all(d["mood"] is None for d in deleted["days"])


async def test_baseline_from_first_done_treatment_or_chosen_date(alice: Client) -> None:
    for day, mood in (("2026-11-05", 2), ("2026-11-06", 4), ("2026-11-15", 8)):
        await alice.put(f"/api/entries/{new_id()}", json={**ENTRY, "day": day, "mood": mood})
    await alice.put(f"/api/treatments/{new_id()}", json=TREATMENT)  # done on 2026-11-18
    summary = (await alice.get("/api/trends", params=PERIOD)).json()["summary"]
    assert summary["baseline_date"] == "2026-11-18"
    assert summary["baseline_mood"] == round((2 + 4 + 8) / 3, 2)
    await alice.patch("/api/account", json={"baseline_date": "2026-11-07"})
    chosen = (await alice.get("/api/trends", params=PERIOD)).json()["summary"]
    assert chosen["baseline_date"] == "2026-11-07"
    assert chosen["baseline_source"] == "user"
    assert chosen["baseline_mood"] == 3.0
    markers = (await alice.get("/api/trends", params=PERIOD)).json()["treatments"]
    assert [m["day"] for m in markers] == ["2026-11-18"]


async def test_bad_periods_are_400(alice: Client) -> None:
    backwards = await alice.get("/api/trends", params={"from": "2026-11-20", "to": "2026-11-01"})
    assert backwards.status_code == 400
    huge = await alice.get("/api/trends", params={"from": "1900-01-01", "to": "2026-11-01"})
    assert huge.status_code == 400
    assert huge.json()["extra"][0]["key"] == "from"
    default = await alice.get("/api/trends")
    assert default.status_code == 200
    assert len(default.json()["days"]) == 90
