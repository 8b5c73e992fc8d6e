"""Safety: crisis resources are one tap away everywhere, and open by themselves when an answer
is flagged — online (the server's verdict) and offline (the same rule, decided on the phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.helpers import check_in, sign_up, wait_for_service_worker


def answer_phq9(page: Page, item9: int) -> None:
    page.goto("/#/questionnaires/phq9")
    form = page.get_by_role("form", name="PHQ-9")
    groups = form.get_by_role("group")
    expect(groups).to_have_count(10)  # nine items and the difficulty question
    for number in range(9):
        value = item9 if number == 8 else 1
        groups.nth(number).get_by_role("radio").nth(value).check()
    form.get_by_role("button", name="See my score").click()


def expect_crisis_panel(page: Page) -> None:
    panel = page.get_by_role("dialog", name="Get help now")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(panel).to_contain_text("Nobody monitors this journal in real time")


def test_phq9_item9_above_zero_opens_the_crisis_panel(page: Page) -> None:
    sign_up(page)
    answer_phq9(page, item9=1)
    expect_crisis_panel(page)
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("heading", name="Your score: 9 of 27")).to_be_visible()


def test_phq9_without_item9_does_not(page: Page) -> None:
    sign_up(page)
    answer_phq9(page, item9=0)
    expect(page.get_by_role("heading", name="Your score: 8 of 27")).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_hidden()


def test_lowest_mood_offline_opens_the_saved_crisis_panel(
    page: Page, context: BrowserContext
) -> None:
    sign_up(page)
    wait_for_service_worker(page)
    context.set_offline(True)
    check_in(page, 0)
    expect(page.get_by_role("status")).to_contain_text("Saved on this phone")
    expect_crisis_panel(page)


def test_phq9_offline_is_scored_and_flagged_on_the_phone(
    page: Page, context: BrowserContext
) -> None:
    sign_up(page)
    wait_for_service_worker(page)
    # Never opened online: the wording was kept on the phone at start-up.
    context.set_offline(True)
    answer_phq9(page, item9=2)
    expect_crisis_panel(page)
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("heading", name="Your score: 10 of 27")).to_be_visible()
    expect(page.locator("#result")).to_contain_text("Scored on this phone")


EVERY_SCREEN = [
    "#/today",
    "#/trends",
    "#/treatments",
    "#/questionnaires",
    "#/guides",
    "#/share",
    "#/export",
    "#/account",
    "#/login",
]


@pytest.mark.parametrize("route", EVERY_SCREEN)
def test_help_is_one_tap_away_on_every_screen(page: Page, route: str) -> None:
    if route != "#/login":
        sign_up(page)
    page.goto("/" + route)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("button", name="Get help now").click()
    expect_crisis_panel(page)
