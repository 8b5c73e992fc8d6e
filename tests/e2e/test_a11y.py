"""Every screen, light and dark, at 360 px: no WCAG 2.1 A/AA violation found by axe-core, and a
screenshot saved to tests/e2e/screenshots/ for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SCREENSHOTS, api_json, new_context, register, seed_journal

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
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
    ("calendar", "#/calendar", "Month view"),
    ("edit-checkin", "#/today", "Today"),
    ("edit-treatment", "#/treatments", "Treatments"),
    ("form-errors", "#/questionnaires/phq9", "PHQ-9"),
]
# What to do on a screen before checking it, so the new states are checked too.
PREPARE = {
    "trends": lambda page: (
        page.locator("svg.chart path.treat-mark").first.dispatch_event("click"),
        page.locator("table tbody tr th button").first.click(),
        expect(page.locator("#day-detail")).to_be_visible(),
    ),
    "calendar": lambda page: (
        page.get_by_role("button", name="Previous month").click(),
        page.locator(".month button.day:not(.empty)").first.click(),
        expect(page.locator("#calendar-day")).to_be_visible(),
    ),
    "edit-checkin": lambda page: (
        page.locator("#recent").get_by_role("button", name="Edit").first.click(),
        expect(page.get_by_role("button", name="Save changes")).to_be_visible(),
    ),
    "edit-treatment": lambda page: (
        page.locator("#treatment-lists").get_by_role("button", name="Edit").first.click(),
        expect(page.get_by_role("button", name="Save changes")).to_be_visible(),
    ),
    "form-errors": lambda page: (
        page.get_by_role("button", name="See my score").click(),
        expect(page.locator(".field-error").first).to_be_visible(),
    ),
}
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def signed_in(browser: Browser, server: str) -> Iterator[dict[str, Any]]:
    """One account with six weeks of data and a family link; its cookies for each test."""
    context = new_context(browser, server)
    page = context.new_page()
    register(page)
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
    yield {"state": state, "family_url": link["body"]["url"]}


def watch_console(page: Page) -> None:
    """Keep the page's console errors (Lighthouse counts them; so do we: any is a failure)."""
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]


def check(page: Page, name: str) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
    ]
    # Nothing sticks out sideways at 360 px (wide tables scroll inside their own box).
    width = page.evaluate("() => document.documentElement.scrollWidth")
    problems += [f"page is {width} px wide"] if width > 360 else []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    problems += [f"console: {e}" for e in getattr(page, "errors", [])]
    assert not problems, f"{name}:\n" + "\n".join(problems)


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
