"""Every screen, light and dark, at 360 px: no WCAG 2.1 A/AA violation found by axe-core, and a
screenshot saved to tests/e2e/screenshots/ for a person to look at."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.helpers import SCREENSHOTS, api_json, new_context, seed_journal, sign_up

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
    ("reminders", "#/reminders", "Reminders"),
]
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
        {"audience": "family", "guides": ["for-family-how-to-help"], "include_schedule": True},
    )
    assert link["status"] == 201, link
    state = context.storage_state()
    context.close()
    return {"state": state, "family_url": link["body"]["url"]}


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
    assert not problems, f"{name}:\n" + "\n".join(problems)


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
    with opened(browser, server, scheme, storage_state=signed_in["state"]) as page:
        page.goto("/" + route)
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_be_visible()
        if title:
            expect(heading).to_have_text(title)
        settle(page)
        if name == "trends":
            expect(page.locator("svg.chart circle.mood").first).to_be_attached()
        check(page, f"{name}-{scheme}")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_login_screen(browser: Browser, server: str, scheme: str) -> None:
    with opened(browser, server, scheme) as page:
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        check(page, f"login-{scheme}")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_crisis_panel(
    browser: Browser, server: str, signed_in: dict[str, Any], scheme: str
) -> None:
    with opened(browser, server, scheme, storage_state=signed_in["state"]) as page:
        page.goto("/#/today")
        page.get_by_role("button", name="Get help now").click()
        expect(page.get_by_role("dialog", name="Get help now")).to_be_visible()
        check(page, f"crisis-{scheme}")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_family_link_page(
    browser: Browser, server: str, signed_in: dict[str, Any], scheme: str
) -> None:
    with opened(browser, server, scheme) as page:
        page.goto(signed_in["family_url"])
        expect(page.get_by_role("heading", level=1)).to_contain_text("Shared with you")
        check(page, f"shared-family-{scheme}")
