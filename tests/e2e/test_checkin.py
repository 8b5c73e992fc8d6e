"""A check-in made on the Today screen shows up in the trends chart and its table."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.helpers import check_in, local_today, sign_up


def test_checkin_appears_in_chart_and_table(page: Page) -> None:
    sign_up(page)
    check_in(page, 7, note="walked by the river")
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    recent = page.locator("#recent li.checkin")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text("Mood 7/10")
    expect(recent.first).not_to_contain_text("Waiting to sync")

    page.get_by_role("link", name="Trends").click()
    expect(page.get_by_role("heading", level=1, name="Trends")).to_be_visible()
    today = local_today(page)
    point = page.locator(f'svg.chart circle.mood[data-day="{today}"]')
    expect(point).to_have_count(1)
    assert float(point.get_attribute("cy") or "nan") > 0
    row = page.locator(f'table tbody tr[data-day="{today}"]')
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("7")

    # Tapping the day (here: its button in the table) lists that day's check-ins.
    row.get_by_role("button").click()
    expect(page.locator("#day-detail")).to_contain_text("walked by the river")


def test_trends_periods(page: Page) -> None:
    sign_up(page)
    page.goto("/#/trends")
    for days in (90, 365, 30):
        button = page.get_by_role("button", name=f"{days} days")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(page.locator("svg.chart")).to_be_visible()
        first = page.locator("#chart-title")
        expect(first).to_contain_text("Daily mood")


def test_checkin_with_the_keyboard_alone(page: Page) -> None:
    sign_up(page)
    first = page.get_by_role("radio", name="0", exact=True)
    first.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="5", exact=True)).to_be_checked()
    # The focus is visible on the tile that stands for the radio button.
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
    )
    assert outline == "solid"
    page.keyboard.press("Tab")  # "Add more (optional)"
    page.keyboard.press("Tab")  # "Save check-in"
    expect(page.get_by_role("button", name="Save check-in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    expect(page.locator("#recent li.checkin").first).to_contain_text("Mood 5/10")


def test_tapping_a_day_on_the_chart_lists_its_checkins(page: Page) -> None:
    sign_up(page)
    check_in(page, 2, note="a heavy day")
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    page.get_by_role("link", name="Trends").click()
    point = page.locator(f'svg.chart circle.mood[data-day="{local_today(page)}"]')
    point.click()
    expect(page.locator("#day-detail")).to_contain_text("a heavy day")
