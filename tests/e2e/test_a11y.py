"""Every screen, light and dark, at 360 px: no WCAG 2.1 A/AA violation found by axe-core, and a
screenshot saved to tests/e2e/screenshots/ for a person to look at."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect

from tests.helpers import api_json, check, new_context, seed_journal, sign_up

SCREENS = [
    ("today", "#/today", "Today"),
    ("trends", "#/trends", "Trends"),
    ("treatments", "#/treatments", "Treatments"),
    ("questionnaires", "#/questionnaires", "Questionnaires"),
    ("phq9", "#/questionnaires/phq9", "PHQ-9"),
    ("guides", "#/guides", "Guides"),
    ("guide", "#/guides/session-and-after", None),
    ("share", "#/share", "Share"),
    ("export", "#/export", "Export and import"),
    ("account", "#/account", "Account"),
    ("more", "#/more", "More"),
    ("reminders", "#/reminders", "Reminders"),
    ("calendar", "#/calendar", "Month view"),
    ("safety-plan", "#/safety-plan", "My safety plan"),
    ("edit-checkin", "#/today", "Today"),
    ("edit-treatment", "#/treatments", "Treatments"),
    ("form-errors", "#/questionnaires/phq9", "PHQ-9"),
]


# What to do on a screen before checking it, so the new states are checked too.
def _open_day_details(page: Page) -> None:
    page.locator("svg.chart path.treat-mark").first.dispatch_event("click")
    page.locator("table tbody tr th button").first.click()
    expect(page.locator("#day-detail")).to_be_visible()


def _open_a_month_day(page: Page) -> None:
    page.get_by_role("button", name="Previous month").click()
    page.locator(".month button.day:not(.empty)").first.click()
    expect(page.locator("#calendar-day")).to_be_visible()


def _edit_first(list_id: str) -> Callable[[Page], None]:
    def edit(page: Page) -> None:
        page.locator(list_id).get_by_role("button", name="Edit").first.click()
        expect(page.get_by_role("button", name="Save changes")).to_be_visible()

    return edit


def _add_a_person(page: Page) -> None:
    people = page.get_by_role("group", name="People I can ask for help")
    people.get_by_role("button", name="Add person").click()
    people.get_by_role("textbox", name="Phone (optional) (person 2)").fill("not a number")
    page.get_by_role("button", name="Save my plan").click()
    expect(people.locator(".field-error").first).to_be_visible()


def _show_form_errors(page: Page) -> None:
    page.get_by_role("button", name="See my score").click()
    expect(page.locator(".field-error").first).to_be_visible()


# What to do on a screen before it is checked, so the check sees its open states too.
PREPARE: dict[str, Callable[[Page], None]] = {
    "trends": _open_day_details,
    "calendar": _open_a_month_day,
    "edit-checkin": _edit_first("#recent"),
    "edit-treatment": _edit_first("#treatment-lists"),
    "form-errors": _show_form_errors,
    "safety-plan": _add_a_person,
}
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def signed_in(browser: Browser, server: str) -> dict[str, Any]:
    """One account with six weeks of data and a family link; its cookies for each test."""
    context = new_context(browser, server)
    page = context.new_page()
    sign_up(page)
    seed_journal(page)
    link = api_json(
        page,
        "/api/shares",
        "POST",
        {
            "audience": "family",
            "guides": ["for-family-how-to-help"],
            "include_schedule": True,
            "message": "See you on Friday.",
        },
    )
    assert link["status"] == 201, link
    state = context.storage_state()
    context.close()
    return {"state": state, "family_url": link["body"]["url"]}


def watch_console(page: Page) -> None:
    """Keep the page's console errors (Lighthouse counts them; so do we: any is a failure)."""
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_page_error(error: Error) -> None:
        errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)


@contextlib.contextmanager
def opened(browser: Browser, server: str, scheme: str, **options: Any) -> Iterator[Page]:
    """A page in a fresh browser context in this colour scheme; the context closes after."""
    context = new_context(browser, server, color_scheme=scheme, **options)
    try:
        yield context.new_page()
    finally:
        context.close()


def settle(page: Page) -> None:
    expect(page.locator('#main [aria-busy="true"]')).to_have_count(0)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("name", "route", "title"), SCREENS, ids=[s[0] for s in SCREENS])
def test_screen(
    browser: Browser,
    server: str,
    signed_in: dict[str, Any],
    name: str,
    route: str,
    title: str | None,
    scheme: str,
) -> None:
    context = new_context(browser, server, storage_state=signed_in["state"], color_scheme=scheme)
    page = context.new_page()
    watch_console(page)
    page.goto("/" + route)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    if title:
        expect(heading).to_have_text(title)
    settle(page)
    if name == "trends":
        expect(page.locator("svg.chart circle.mood").first).to_be_attached()
    if name in PREPARE:
        PREPARE[name](page)
    check(page, f"{name}-{scheme}")
    context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_login_screen(browser: Browser, server: str, scheme: str) -> None:
    context = new_context(browser, server, color_scheme=scheme)
    page = context.new_page()
    watch_console(page)
    page.goto("/#/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check(page, f"login-{scheme}")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    ("name", "route", "title"),
    [
        ("welcome", "/", "Welcome to Waypoint"),
        ("register", "/#/login/new", "Create your account"),
        ("guest-guides", "/#/guides", "Guides"),
    ],
)
def test_logged_out_screens(
    browser: Browser, server: str, scheme: str, name: str, route: str, title: str
) -> None:
    context = new_context(browser, server, color_scheme=scheme)
    page = context.new_page()
    watch_console(page)
    page.goto(route)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    settle(page)
    check(page, f"{name}-{scheme}")
    context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_crisis_panel(
    browser: Browser, server: str, signed_in: dict[str, Any], scheme: str
) -> None:
    context = new_context(browser, server, storage_state=signed_in["state"], color_scheme=scheme)
    page = context.new_page()
    watch_console(page)
    page.goto("/#/today")
    page.get_by_role("button", name="Get help now").click()
    expect(page.get_by_role("dialog", name="Get help now")).to_be_visible()
    check(page, f"crisis-{scheme}")
    context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_family_link_page(
    browser: Browser, server: str, signed_in: dict[str, Any], scheme: str
) -> None:
    context = new_context(browser, server, color_scheme=scheme)
    page = context.new_page()
    watch_console(page)
    page.goto(signed_in["family_url"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Shared with you")
    check(page, f"shared-family-{scheme}")
    context.close()
