"""A clinician link and PDF for an earlier period: nothing after its end, every rule's words."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from api.app import create_app
from api.settings import Settings
from tests.helpers import FakeClock, create, open_link, put, same_app

Client = AsyncTestClient[Litestar]
TO = "2026-10-20"
NEXT_PLANNED = "2026-11-28"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, clock=FakeClock())


@pytest.fixture
async def holder(app: Litestar, client: Client) -> Client:
    return same_app(app, client)


def phq9(day: str, total: int) -> dict[str, Any]:
    answers = [min(3, max(0, total - 3 * n)) for n in range(8)] + [0]
    assert sum(answers) == total
    return {"instrument": "phq9", "answers": answers, "taken_at": f"{day}T09:00:00-04:00"}


async def fill(alice: Client) -> None:
    first = date(2026, 9, 15)
    for offset in range(67):  # 2026-09-15 .. 2026-11-20
        day = first + timedelta(days=offset)
        mood = 3 if day < date(2026, 10, 1) else 7
        await put(alice, "entries", {"day": day.isoformat(), "mood": mood})
    sessions: list[dict[str, Any]] = [
        {"at": "2026-10-01T10:00:00-04:00", "status": "done", "dose_mg": 35.0,
         "bp_before": {"systolic": 128, "diastolic": 82},
         "bp_after": {"systolic": 162, "diastolic": 98}, "side_effects": ["dissociation"]},
        {"at": "2026-10-04T10:00:00-04:00", "status": "done", "dose_mg": 35.0},
        {"at": "2026-11-05T10:00:00-05:00", "status": "done", "dose_mg": 40.0,
         "side_effects": ["AFTER-THE-PERIOD"]},
        {"at": f"{NEXT_PLANNED}T10:00:00-05:00", "status": "planned"},
    ]  # fmt: skip
    for session in sessions:
        await put(alice, "treatments", {"kind": "iv_infusion", **session})
    for taken, total in (("2026-09-30", 10), ("2026-10-14", 15), ("2026-11-12", 3)):
        await put(alice, "assessments", phq9(taken, total))


async def test_a_link_for_an_earlier_period_shows_nothing_after_its_end(
    alice: Client, holder: Client
) -> None:
    await alice.patch("/api/account", json={"patient_reference": "MRN-4471"})
    await fill(alice)
    link = await create(alice, audience="clinician", **{"from": "2026-10-01", "to": TO})
    view = (await open_link(holder, link["token"])).json()
    assert view["patient_reference"] == "MRN-4471"
    next_planned = view["report"].pop("next_planned")
    assert [each["day"] for each in next_planned] == [NEXT_PLANNED]
    [upcoming] = [line for line in view["report"]["lines"] if line["label"] == "Next session"]
    view["report"]["lines"].remove(upcoming)
    assert (
        upcoming["text"] == f"{NEXT_PLANNED} IV infusion (next planned session, after the period)"
    )
    expires = view.pop("expires_at")
    assert expires > TO  # the link's own expiry, not a data point
    dates = ISO_DAY.findall(str(view))
    assert dates
    assert max(dates) <= TO
    summary = view["summary"]
    assert summary["phq9_status"] == "worse"  # 10 -> 15: the later 3 is after the period
    assert summary["phq9_change_text"] == "+5 points"
    assert summary["last_treatment_date"] == "2026-10-04"
    sessions = view["report"]["sessions"]
    assert [s["day"] for s in sessions] == ["2026-10-01", "2026-10-04"]
    assert sessions[0]["blood_pressure"] == "128/82 \u2192 162/98"
    assert "AFTER-THE-PERIOD" not in str(view)

    pdf = (await open_link(holder, link["token"], "/api/shared/report.pdf")).content
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Ref: MRN-4471" in text
    assert "128/82 -> 162/98" in text
    assert "PHQ-9 item 9" in text
    assert "0 (not at all) on the one PHQ-9 in the period" in text
    assert f"{NEXT_PLANNED} IV infusion (next planned session, after the period)" in text
    assert "Worse: the latest PHQ-9 is 5 or more points higher" in text
    assert not re.search(r"-\s?\d+\s?%", text)  # never a negative percentage
    assert "Generated after the period ended" in text
    later = [day for day in ISO_DAY.findall(text) if day > TO]
    assert later == [NEXT_PLANNED]
    assert "AFTER-THE-PERIOD" not in text
