"""Trends say PHQ-9 change and status in the server's own words (the same as the PDF and the
clinician link): a rise is in points, never a percentage, and "worse" is never a bare word."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from playwright.sync_api import Page, expect

from tests.helpers import api_json, local_today, sign_up


def put(page: Page, kind: str, body: dict[str, object]) -> None:
    answer = api_json(page, f"/api/{kind}/{uuid.uuid4()}", "PUT", body)
    assert answer["status"] == 201, answer


def at_noon(day: date) -> str:
    return datetime.combine(day, time(12), tzinfo=UTC).isoformat()


def phq9(page: Page, day: date, answers: list[int]) -> None:
    put(page, "assessments", {"instrument": "phq9", "answers": answers, "taken_at": at_noon(day)})


def test_a_worse_phq9_is_named_with_its_rule_and_in_points(page: Page) -> None:
    sign_up(page)
    today = date.fromisoformat(local_today(page))
    phq9(page, today - timedelta(days=12), [1, 1, 1, 1, 1, 1, 2, 2, 0])  # 10 at baseline
    put(
        page,
        "treatments",
        {"at": at_noon(today - timedelta(days=10)), "kind": "iv_infusion", "status": "done"},
    )
    phq9(page, today - timedelta(days=1), [3, 3, 3, 3, 3, 3, 3, 3, 0])  # 24: up 14 points
    page.goto("/#/trends")
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text("PHQ-9 went from 10 at baseline to 24 (+14 points).")
    expect(details).to_contain_text(
        "Worse: the latest PHQ-9 is 5 or more points higher than at baseline."
    )
    expect(details).not_to_contain_text("%")
    card = page.get_by_role("region", name="Worth telling your care team")
    expect(card).to_contain_text("in the severe range")
    expect(card).to_contain_text("14 points higher")
