"""Care-team prompts on record responses and in trends, and the account fields they use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from tests.helpers import new_id

Client = AsyncTestClient[Litestar]
NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # noon in New York
TODAY = date(2026, 11, 20)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, clock=lambda: NOW)


def phq9(total: int, day: date, item9: int = 0) -> dict[str, Any]:
    answers = [0] * 9
    left = total - item9
    for index in range(8):
        answers[index] = min(3, left)
        left -= answers[index]
    answers[8] = item9
    assert sum(answers) == total
    return {"instrument": "phq9", "answers": answers, "taken_at": f"{day}T09:00:00-05:00"}


def codes(body: dict[str, Any]) -> list[str]:
    return [each["code"] for each in body["prompts"]]


async def test_account_takes_a_clinic_phone_and_a_patient_reference(alice: Client) -> None:
    changed = await alice.patch(
        "/api/account",
        json={"clinic_phone": " +1 (555) 010-0100 ", "patient_reference": "MRN 4471"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["clinic_phone"] == "+1 (555) 010-0100"
    assert changed.json()["patient_reference"] == "MRN 4471"
    shown = (await alice.get("/api/account")).json()
    assert (shown["clinic_phone"], shown["patient_reference"]) == ("+1 (555) 010-0100", "MRN 4471")
    wrong = await alice.patch("/api/account", json={"clinic_phone": "call me maybe"})
    assert wrong.status_code == 400
    assert wrong.json()["extra"][0]["key"] == "clinic_phone"
    assert "call me maybe" not in wrong.text  # the rule is named, never the value
    cleared = await alice.patch("/api/account", json={"clinic_phone": ""})
    assert cleared.json()["clinic_phone"] == ""


async def test_a_phq9_of_20_prompts_with_the_clinic_number_19_does_not(alice: Client) -> None:
    await alice.patch("/api/account", json={"clinic_phone": "555 0100"})
    record_id = new_id()
    severe = await alice.put(f"/api/assessments/{record_id}", json=phq9(20, TODAY))
    assert severe.status_code == 201
    assert codes(severe.json()) == ["phq9_severe"]
    message = severe.json()["prompts"][0]["message"]
    assert "severe range (20 or more)" in message
    assert "555 0100" in message
    assert severe.json()["crisis"] is None  # item 9 was 0: a calm card, not the crisis panel
    fetched = await alice.get(f"/api/assessments/{record_id}")
    assert codes(fetched.json()) == ["phq9_severe"]
    other = await alice.put(f"/api/assessments/{new_id()}", json=phq9(19, TODAY + timedelta(1)))
    assert "phq9_severe" not in codes(other.json())


async def test_a_phq9_rise_of_5_prompts_4_does_not(alice: Client) -> None:
    await alice.put(f"/api/assessments/{new_id()}", json=phq9(8, TODAY - timedelta(28)))
    four = await alice.put(f"/api/assessments/{new_id()}", json=phq9(12, TODAY - timedelta(14)))
    assert codes(four.json()) == []
    five = await alice.put(f"/api/assessments/{new_id()}", json=phq9(17, TODAY))
    assert codes(five.json()) == ["phq9_rise"]
    assert "5 points higher than your previous one" in five.json()["prompts"][0]["message"]


async def test_gad7_prompt_and_its_difficulty_question(alice: Client) -> None:
    body = {
        "instrument": "gad7",
        "answers": [3, 3, 3, 2, 2, 1, 1],
        "difficulty": 2,
        "taken_at": f"{TODAY}T09:00:00-05:00",
    }
    severe = await alice.put(f"/api/assessments/{new_id()}", json=body)
    assert severe.status_code == 201, severe.text
    assert severe.json()["difficulty"] == 2
    assert codes(severe.json()) == ["gad7_severe"]
    fourteen = {**body, "answers": [3, 3, 3, 2, 2, 1, 0]}
    assert codes((await alice.put(f"/api/assessments/{new_id()}", json=fourteen)).json()) == []


async def test_a_week_of_low_mood_prompts_on_the_check_in_and_in_trends(alice: Client) -> None:
    last: dict[str, Any] = {}
    for back in range(6, -1, -1):
        day = TODAY - timedelta(back)
        response = await alice.put(f"/api/entries/{new_id()}", json={"day": str(day), "mood": 2})
        last = response.json()
    assert codes(last) == ["mood_low"]
    assert "2.0 out of 10" in last["prompts"][0]["message"]
    summary = (await alice.get("/api/trends")).json()["summary"]
    assert [each["code"] for each in summary["prompts"]] == ["mood_low"]
    # Lift the mean to 2.14 and the card goes away.
    higher = await alice.put(f"/api/entries/{new_id()}", json={"day": str(TODAY), "mood": 4})
    assert codes(higher.json()) == []
    assert (await alice.get("/api/trends")).json()["summary"]["prompts"] == []


async def test_a_check_in_below_baseline_prompts_like_the_trends_do(alice: Client) -> None:
    treated = TODAY - timedelta(10)
    treatment = {"at": f"{treated}T10:00:00-05:00", "kind": "iv_infusion", "status": "done"}
    assert (await alice.put(f"/api/treatments/{new_id()}", json=treatment)).status_code == 201
    for back in range(24, 10, -1):  # 14 days of 5 before the treatment: baseline 5.0
        day = str(TODAY - timedelta(back))
        await alice.put(f"/api/entries/{new_id()}", json={"day": day, "mood": 5})
    last: dict[str, Any] = {}
    for back in range(6, -1, -1):  # a week of 4: 1.0 below baseline
        day = str(TODAY - timedelta(back))
        last = (await alice.put(f"/api/entries/{new_id()}", json={"day": day, "mood": 4})).json()
    assert codes(last) == ["mood_worse"]
    summary = (await alice.get("/api/trends")).json()["summary"]
    assert summary["mood_status"] == "worse"
    assert summary["prompts"] == last["prompts"]  # the same words from the same rule
    # A second check-in of 5 today makes that day 4.5: the mean is 4.07, less than 1 below.
    lifted = await alice.put(f"/api/entries/{new_id()}", json={"day": str(TODAY), "mood": 5})
    assert codes(lifted.json()) == []
    assert (await alice.get("/api/trends")).json()["summary"]["prompts"] == []
