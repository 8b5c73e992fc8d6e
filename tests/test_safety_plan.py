"""The personal safety plan: one per account, versioned, synced, archived, private."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.settings import Settings
from tests.helpers import PASSWORD, rows_left

Client = AsyncTestClient[Litestar]
BOTH_ENGINES = True
CANARY = "CANARY-plan-reason-42"
PLAN: dict[str, Any] = {
    "warning_signs": ["I stop answering messages"],
    "coping_strategies": ["a walk round the block", "a shower"],
    "distractions": [{"name": "the library"}],
    "people_to_ask": [{"name": "Mum", "phone": "+1 555 0100"}],
    "professionals": [{"name": "Riverside clinic, after hours", "phone": "555-0199"}],
    "safer_surroundings": ["my sister keeps the spare medicines"],
    "reasons_to_keep_going": [CANARY],
}


async def test_no_plan_yet_reads_as_version_0_with_the_crisis_lines(alice: Client) -> None:
    response = await alice.get("/api/safety-plan")
    assert response.status_code == 200
    plan = response.json()
    assert plan["version"] == 0
    assert plan["warning_signs"] == []
    assert plan["crisis"]["resources"]  # the deployment's lines come with the plan


async def test_write_replace_and_a_stale_edit(alice: Client) -> None:
    created = await alice.put("/api/safety-plan", json=PLAN)
    assert created.status_code == 201
    assert created.json()["version"] == 1
    assert created.json()["people_to_ask"] == PLAN["people_to_ask"]
    replay = await alice.put("/api/safety-plan", json=PLAN)
    assert replay.status_code == 200
    assert replay.json()["version"] == 1  # the same plan again changes nothing
    edited = await alice.put(
        "/api/safety-plan", json={**PLAN, "warning_signs": ["I sleep all day"], "base_version": 1}
    )
    assert edited.json()["version"] == 2
    stale = await alice.put("/api/safety-plan", json={**PLAN, "base_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["warning_signs"] == ["I sleep all day"]
    assert (await alice.get("/api/safety-plan")).json()["version"] == 2


async def test_bad_input_names_the_field(alice: Client) -> None:
    bad = {**PLAN, "people_to_ask": [{"name": "Mum", "phone": "call me maybe"}]}
    response = await alice.put("/api/safety-plan", json=bad)
    assert response.status_code == 400
    assert "people_to_ask" in response.json()["extra"][0]["key"]
    assert "call me maybe" not in response.text


async def test_the_plan_syncs_travels_in_the_archive_and_stays_private(
    alice: Client, bob: Client
) -> None:
    await alice.put("/api/safety-plan", json=PLAN)
    changes = (await alice.get("/api/changes")).json()["changes"]
    assert [c["kind"] for c in changes] == ["safety_plan"]
    assert changes[0]["record"]["reasons_to_keep_going"] == [CANARY]
    archive = (await alice.get("/api/export/archive")).json()
    assert archive["safety_plan"][0]["reasons_to_keep_going"] == [CANARY]
    # Another account sees only its own (empty) plan, and nothing of alice's anywhere.
    assert (await bob.get("/api/safety-plan")).json()["version"] == 0
    assert CANARY not in (await bob.get("/api/changes")).text
    imported = await bob.post("/api/import/archive", json=archive)
    assert imported.status_code == 200
    assert (await bob.get("/api/safety-plan")).json()["reasons_to_keep_going"] == [CANARY]


async def test_a_family_link_never_carries_the_plan(alice: Client, bob: Client) -> None:
    await alice.put("/api/safety-plan", json=PLAN)
    link = await alice.post(
        "/api/shares",
        json={"audience": "family", "guides": ["a-family-safety-plan"], "include_schedule": True},
    )
    token = link.json()["token"]
    bob.cookies.clear()
    view = await bob.get("/api/shared", headers={"Authorization": f"Share {token}"})
    assert view.status_code == 200
    assert CANARY not in view.text
    assert "Mum" not in view.text


async def test_deleting_the_account_deletes_the_plan(alice: Client, settings: Settings) -> None:
    await alice.put("/api/safety-plan", json=PLAN)
    gone = await alice.request("DELETE", "/api/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    assert rows_left(settings, "SELECT * FROM records") == []
