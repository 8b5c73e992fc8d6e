"""Editing check-ins and treatments (online and offline, through the same versioned PUT), and
the conflict chooser's three choices: Keep mine, Keep theirs, Edit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.helpers import api_json, check, check_in, new_context, sign_up

SERVER_FIELDS = ("id", "version", "updated_at", "flagged", "crisis", "prompts")


def only_entry(page: Page) -> dict[str, Any]:
    entries = api_json(page, "/api/entries")["body"]
    assert len(entries) == 1, entries
    return dict(entries[0])


def edit_first_checkin(page: Page) -> Locator:
    page.locator("#recent").get_by_role("button", name="Edit").first.click()
    form = page.get_by_role("form", name="Edit the check-in of")
    expect(form).to_be_visible()
    return form


def test_edit_a_checkin_the_next_day_online(page: Page) -> None:
    sign_up(page)
    check_in(page, 4)
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    before = only_entry(page)
    form = edit_first_checkin(page)
    # The form holds the saved values; adding anxiety and a note keeps the mood and the day.
    expect(
        form.get_by_role("group", name="How is your mood right now?").get_by_label("4")
    ).to_be_checked()
    form.get_by_role("group", name="Anxiety").get_by_text("6", exact=True).click()
    form.get_by_label("Note").fill("added the next morning")
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    after = only_entry(page)
    assert after["id"] == before["id"]
    assert after["version"] == before["version"] + 1
    assert (after["mood"], after["anxiety"], after["note"]) == (4, 6, "added the next morning")
    assert after["day"] == before["day"]
    assert after["time"] == before["time"]
    expect(page.locator("#recent li.checkin")).to_have_count(1)
    expect(page.locator("#recent li.checkin")).to_contain_text("added the next morning")


def plan_treatment(page: Page, day: str = "2031-05-06", time: str = "10:00") -> Locator:
    page.get_by_role("link", name="Treatments").click()
    page.get_by_label("is planned").check()
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Time", exact=True).fill(time)
    page.get_by_role("button", name="Save treatment").click()
    item = page.locator("#treatment-lists li", has_text="IV infusion")
    expect(item).not_to_contain_text("Waiting to sync")
    return item


def test_edit_a_treatment_offline_then_it_syncs(page: Page, context: BrowserContext) -> None:
    sign_up(page)
    item = plan_treatment(page)
    treatment_id = item.get_attribute("data-id")
    context.set_offline(True)
    item.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit: IV infusion")
    # Rescheduled, with the blood pressure and a side effect added.
    form.get_by_label("Date", exact=True).fill("2031-05-08")
    form.get_by_label("Time", exact=True).fill("14:30")
    before = form.get_by_role("group", name="Blood pressure before")
    before.get_by_label("Systolic (mmHg)").fill("128")
    before.get_by_label("Diastolic (mmHg)").fill("82")
    form.get_by_text("Nausea", exact=True).click()
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Saved on this phone")
    moved = page.locator(f'#treatment-lists li[data-id="{treatment_id}"]')
    expect(moved).to_contain_text("May 8, 2031")
    expect(moved).to_contain_text("Waiting to sync")
    context.set_offline(False)
    expect(moved).not_to_contain_text("Waiting to sync", timeout=20_000)
    copy = api_json(page, f"/api/treatments/{treatment_id}")["body"]
    assert copy["version"] == 2
    assert copy["status"] == "planned"
    assert copy["at"].startswith("2031-05-08T14:30")
    assert copy["bp_before"] == {"systolic": 128, "diastolic": 82}
    assert copy["side_effects"] == ["Nausea"]


def test_mark_a_planned_treatment_as_done_by_editing(page: Page) -> None:
    sign_up(page)
    plan_treatment(page, day="2025-06-02")  # planned for a day now past: it happened
    item = page.locator("#treatment-lists li", has_text="IV infusion")
    item.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit: IV infusion")
    form.get_by_label("happened").check()
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    (copy,) = api_json(page, "/api/treatments")["body"]
    assert copy["status"] == "done"
    assert copy["version"] == 2


# --- the conflict chooser --------------------------------------------------------------------


@pytest.fixture
def conflict(browser: Browser, server: str) -> Iterator[dict[str, Any]]:
    """A check-in edited offline on the phone (mood 3) and meanwhile on a laptop (mood 8)."""
    phone = new_context(browser, server)
    page = phone.new_page()
    sign_up(page)
    check_in(page, 5)
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    entry = only_entry(page)
    phone.set_offline(True)
    form = edit_first_checkin(page)
    form.get_by_role("group", name="How is your mood right now?").get_by_text(
        "3", exact=True
    ).click()
    form.get_by_role("button", name="Save changes").click()
    expect(page.locator("#recent li.checkin")).to_contain_text("Waiting to sync")

    laptop = new_context(browser, server, storage_state=phone.storage_state())
    other = laptop.new_page()
    other.goto("/#/today")
    theirs = {k: v for k, v in entry.items() if k not in SERVER_FIELDS}
    theirs.update(mood=8, base_version=entry["version"])
    assert api_json(other, f"/api/entries/{entry['id']}", "PUT", theirs)["status"] == 200
    laptop.close()

    phone.set_offline(False)
    issues = page.locator("#sync-issues")
    expect(issues).to_contain_text("1 change needs your choice", timeout=20_000)
    issues.get_by_text("1 change needs your choice").click()
    # Both versions, in words; and never a technical word.
    expect(issues).to_contain_text("mood 3/10")
    expect(issues).to_contain_text("mood 8/10")
    for word in ("409", "conflict", "base_version", entry["id"]):
        expect(issues).not_to_contain_text(word)
    yield {"page": page, "issues": issues, "id": entry["id"], "version": entry["version"]}
    phone.close()


def test_conflict_keep_mine(conflict: dict[str, Any]) -> None:
    page, issues = conflict["page"], conflict["issues"]
    # Axe-clean, and a screenshot to look at. (The browser itself logs the offline requests and
    # the 409 that this scenario is made of, so console lines are not checked here.)
    check(page, "conflict-chooser")
    issues.get_by_role("button", name="Keep mine").click()
    expect(issues).to_be_hidden()
    copy = api_json(page, f"/api/entries/{conflict['id']}")["body"]
    assert copy["mood"] == 3
    assert copy["version"] == conflict["version"] + 2
    expect(page.locator("#recent li.checkin")).to_contain_text("Mood 3/10")


def test_conflict_keep_theirs(conflict: dict[str, Any]) -> None:
    page, issues = conflict["page"], conflict["issues"]
    issues.get_by_role("button", name="Keep theirs").click()
    expect(issues).to_be_hidden()
    copy = api_json(page, f"/api/entries/{conflict['id']}")["body"]
    assert copy["mood"] == 8
    assert copy["version"] == conflict["version"] + 1
    expect(page.locator("#recent li.checkin")).to_contain_text("Mood 8/10")
    expect(page.locator("#recent li.checkin")).not_to_contain_text("Waiting to sync")


def test_conflict_edit(conflict: dict[str, Any]) -> None:
    page, issues = conflict["page"], conflict["issues"]
    issues.get_by_role("button", name="Edit").click()
    expect(issues).to_be_hidden()
    form = page.get_by_role("form", name="Edit the check-in of")
    mood = form.get_by_role("group", name="How is your mood right now?")
    expect(mood.get_by_label("3")).to_be_checked()  # it starts from the person's own version
    mood.get_by_text("6", exact=True).click()
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    copy = api_json(page, f"/api/entries/{conflict['id']}")["body"]
    assert copy["mood"] == 6
    assert copy["version"] == conflict["version"] + 2
    expect(page.locator("#sync-issues")).to_be_hidden()
