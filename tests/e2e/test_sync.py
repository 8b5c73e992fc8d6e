"""Offline first: what is typed offline is kept, shown as pending, and sent exactly once."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.helpers import (
    api_json,
    check_in,
    log_in,
    new_context,
    sign_up,
    unique,
    wait_for_service_worker,
)


def entries_with_note(page: Page, note: str) -> list[dict[str, Any]]:
    response = api_json(page, "/api/entries")
    assert response["status"] == 200, response
    return [e for e in response["body"] if e["note"] == note]


def test_offline_checkin_is_kept_and_synced_once(page: Page, context: BrowserContext) -> None:
    sign_up(page)
    wait_for_service_worker(page)
    note = unique("offline-note")

    context.set_offline(True)
    check_in(page, 4, note=note)
    expect(page.get_by_role("status")).to_contain_text("Saved on this phone")
    item = page.locator("#recent li.checkin", has_text=note)
    expect(item).to_contain_text("Waiting to sync")
    expect(page.locator("#net")).to_contain_text("Offline")

    # The app is closed and opened again while still offline: the shell comes from the service
    # worker, the check-in from IndexedDB, still pending.
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    expect(item).to_contain_text("Waiting to sync")

    context.set_offline(False)
    expect(item).not_to_contain_text("Waiting to sync")
    expect(item).to_contain_text("Mood 4/10")
    assert len(entries_with_note(page, note)) == 1


def test_lost_response_is_retried_without_a_duplicate(browser: Browser, server: str) -> None:
    """The server stores the check-in but the answer never arrives; the retry must not duplicate."""
    context = new_context(browser, server, service_workers="block")
    page = context.new_page()
    sign_up(page)
    note = unique("lost-answer")
    dropped: list[str] = []

    def drop_answer(route: Route) -> None:
        if route.request.method == "PUT" and not dropped:
            route.fetch()  # the request reaches the server and is stored ...
            dropped.append(route.request.url)
            route.abort("connectionreset")  # ... but the phone never hears back
        else:
            route.fallback()

    context.route("**/api/entries/*", drop_answer)
    check_in(page, 6, note=note)
    expect(page.get_by_role("status")).to_contain_text("Saved on this phone")
    item = page.locator("#recent li.checkin", has_text=note)
    expect(item).to_contain_text("Waiting to sync")
    assert dropped, "the PUT was not intercepted"

    # The connection is back (as far as the phone can tell): it tries again.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(item).not_to_contain_text("Waiting to sync")
    assert len(entries_with_note(page, note)) == 1
    context.close()


def test_conflict_keeps_both_versions_until_the_person_chooses(
    browser: Browser, server: str
) -> None:
    phone = new_context(browser, server)
    page = phone.new_page()
    username = sign_up(page)
    page.get_by_role("link", name="Treatments").click()
    page.get_by_label("is planned").check()
    page.get_by_label("Date", exact=True).fill("2031-05-06")
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_role("button", name="Save treatment").click()
    planned = page.locator("li", has_text="May 6, 2031")
    expect(planned).to_contain_text("planned")
    expect(planned).not_to_contain_text("Waiting to sync")
    treatment_id = planned.get_attribute("data-id")

    # The phone goes offline and cancels the session ...
    phone.set_offline(True)
    planned.get_by_role("button", name="Cancel IV infusion").click()
    expect(planned).to_contain_text("Waiting to sync")

    # ... while a second device (a laptop) adds a note to the same treatment.
    laptop = new_context(browser, server)
    other = laptop.new_page()
    other.goto("/#/login")
    log_in(other, username)
    expect(other.get_by_role("heading", level=1, name="Today")).to_be_visible()
    current = api_json(other, f"/api/treatments/{treatment_id}")["body"]
    edited = {
        k: v
        for k, v in current.items()
        if k not in ("id", "version", "updated_at", "flagged", "crisis")
    }
    edited.update(notes="Driver: Sam", base_version=current["version"])
    assert api_json(other, f"/api/treatments/{treatment_id}", "PUT", edited)["status"] == 200

    # Back online, the phone's stale edit meets the newer version: both are shown.
    phone.set_offline(False)
    issues = page.locator("#sync-issues")
    expect(issues).to_contain_text("1 change needs your choice")
    issues.get_by_text("1 change needs your choice").click()
    expect(issues).to_contain_text("Driver: Sam")
    issues.get_by_role("button", name="Keep mine").click()
    expect(issues).to_be_hidden()
    server_copy = api_json(page, f"/api/treatments/{treatment_id}")["body"]
    assert server_copy["status"] == "cancelled"
    assert server_copy["version"] == current["version"] + 2
    laptop.close()
    phone.close()


def test_second_device_catches_up(browser: Browser, server: str) -> None:
    phone = new_context(browser, server)
    page = phone.new_page()
    username = sign_up(page)
    note = unique("from-the-phone")
    check_in(page, 8, note=note)
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")

    laptop = new_context(browser, server)
    other = laptop.new_page()
    other.goto("/#/login")
    log_in(other, username)
    expect(other.locator("#recent li.checkin", has_text=note)).to_contain_text("Mood 8/10")
    laptop.close()
    phone.close()
