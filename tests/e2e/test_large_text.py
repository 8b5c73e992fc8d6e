"""Every main screen at 360 px, at 100 %, 150 % and 200 % text, light and dark: a screenshot in
tests/e2e/screenshots/ for a person to look at, and boxes compared for what a person would see
as broken — tab labels running into each other, header items off the screen, anything wider
than the phone, a date input sticking out of its card, chart text that ignores the setting.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.helpers import SCREENSHOTS, api_json, new_context, seed_journal, sign_up

SIZES = [100, 150, 200]
SCHEMES = ["light", "dark"]
SCREENS = [
    ("today", "#/today"),
    ("trends", "#/trends"),
    ("calendar", "#/calendar"),
    ("treatments", "#/treatments"),
    ("share", "#/share"),
    ("export", "#/export"),
    ("account", "#/account"),
    ("phq9", "#/questionnaires/phq9"),
    ("guides", "#/guides"),
    ("guide", "#/guides/session-and-after"),
    ("more", "#/more"),
]

# Boxes of what must never overlap or leave the screen, measured in the page.
MEASURE = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const visible = (el) => el.getClientRects().length > 0;
  const cardOf = (el) => el.closest(".card");
  return {
    width: document.documentElement.scrollWidth,
    tabs: [...document.querySelectorAll("#tabs a span")].filter(visible).map(box),
    header: [...document.querySelectorAll("header.top > *")].filter(visible).map(box),
    dates: [...document.querySelectorAll("input[type=date], input[type=datetime-local]")]
      .filter((el) => visible(el) && cardOf(el))
      .map((el) => [box(el), box(cardOf(el))]),
    chartFont: [...document.querySelectorAll("svg.chart text")].slice(0, 1)
      .map((t) => t.getBoundingClientRect().height),
  };
}"""


def intersects(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def problems_of(m: dict[str, Any], width: int = 360) -> list[str]:
    found = []
    if m["width"] > width:
        found.append(f"page is {m['width']} px wide")
    tabs = m["tabs"]
    for i, a in enumerate(tabs):
        for j in range(i + 1, len(tabs)):
            if intersects(a, tabs[j]):
                found.append(f"tab labels {i} and {j} overlap: {a} {tabs[j]}")
    for k, item in enumerate(m["header"]):
        if item[0] < 0 or item[2] > width:
            found.append(f"header item {k} leaves the screen: {item}")
    for k in range(len(m["header"])):
        for j in range(k + 1, len(m["header"])):
            if intersects(m["header"][k], m["header"][j]):
                found.append(f"header items {k} and {j} overlap")
    for field, card in m["dates"]:
        if field[0] < card[0] or field[2] > card[2]:
            found.append(f"a date input {field} sticks out of its card {card}")
    return found


@pytest.fixture(scope="module")
def account(browser: Browser, server: str) -> dict[str, Any]:
    context = new_context(browser, server)
    page = context.new_page()
    sign_up(page)
    seed_journal(page)
    # A custom tag and a long answer make the screens as full as real ones get.
    state = context.storage_state()
    context.close()
    return {"state": state}


def set_text_size(page: Page, percent: int) -> None:
    # What a browser's text-size setting does to rem-based CSS (CONVENTIONS: compare the boxes).
    page.evaluate(f"() => {{ document.documentElement.style.fontSize = '{percent}%'; }}")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SIZES)
def test_screens_at_large_text(
    browser: Browser, server: str, account: dict[str, Any], size: int, scheme: str
) -> None:
    context = new_context(browser, server, storage_state=account["state"], color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.goto("/#/today")
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    font_sizes = {}
    problems = []
    for name, route in SCREENS:
        set_text_size(page, 100)  # a hash change keeps the document (and its text size)
        page.goto("/" + route)
        expect(page.locator('#main [aria-busy="true"]')).to_have_count(0)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if name == "calendar":
            page.get_by_role("button", name="Previous month").click()  # a month full of data
        if name == "trends":
            expect(page.locator("svg.chart text").first).to_be_attached()
            font_sizes[100] = page.evaluate(MEASURE)["chartFont"][0]
        set_text_size(page, size)
        if name == "trends":
            # The chart is drawn for the text size it meets: draw it again at this one.
            page.get_by_role("button", name="30 days").click()
            expect(page.locator(f'svg.chart[data-text-scale="{size / 100:g}"]')).to_be_attached()
        page.wait_for_load_state("networkidle")
        measured = page.evaluate(MEASURE)
        if name == "trends":
            font_sizes[size] = measured["chartFont"][0]
        problems += [f"{name}: {p}" for p in problems_of(measured)]
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"large-{name}-{size}-{scheme}.png", full_page=True)
    context.close()
    assert not problems, "\n".join(problems)
    assert not errors, errors
    if size > 100:
        # The chart's text grows with the setting (against the same chart at 100 %), if a little
        # less than the page's text: the chart's width is shared with the plot.
        assert font_sizes[size] >= font_sizes[100] * (1 + (size - 100) / 200), font_sizes


def test_the_overlap_check_can_fail() -> None:
    # Two boxes that share area are caught, touching edges are not (so the check is not vacuous).
    assert problems_of({"width": 361, "tabs": [], "header": [], "dates": [], "chartFont": []})
    tabs = [[0, 0, 80, 20], [70, 0, 150, 20]]
    assert problems_of({"width": 360, "tabs": tabs, "header": [], "dates": [], "chartFont": []})
    tabs = [[0, 0, 72, 20], [72, 0, 144, 20]]
    assert not problems_of({"width": 360, "tabs": tabs, "header": [], "dates": [], "chartFont": []})
    header = [[300, 0, 380, 40]]
    assert problems_of({"width": 360, "tabs": [], "header": header, "dates": [], "chartFont": []})


@pytest.mark.parametrize("size", [150, 200])
def test_first_screen_logged_out_at_large_text(browser: Browser, server: str, size: int) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Welcome to Waypoint")).to_be_visible()
    set_text_size(page, size)
    problems = problems_of(page.evaluate(MEASURE))
    page.screenshot(path=SCREENSHOTS / f"large-welcome-{size}.png", full_page=True)
    context.close()
    assert not problems, problems


def test_family_link_page_at_200_percent(browser: Browser, server: str) -> None:
    context = new_context(browser, server)
    owner = context.new_page()
    sign_up(owner)
    link = api_json(owner, "/api/shares", "POST", {"audience": "family", "include_schedule": True})
    page = context.new_page()
    page.goto(link["body"]["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared with you")
    set_text_size(page, 200)
    problems = problems_of(page.evaluate(MEASURE))
    page.screenshot(path=SCREENSHOTS / "large-shared-200.png", full_page=True)
    context.close()
    assert not problems, problems


def test_header_with_the_offline_pill_at_200_percent(
    browser: Browser, server: str, account: dict[str, Any]
) -> None:
    context = new_context(browser, server, storage_state=account["state"])
    page = context.new_page()
    page.goto("/#/today")
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    context.set_offline(True)
    page.get_by_role("group", name="How is your mood right now?").get_by_text("5").click()
    page.get_by_role("button", name="Save check-in").click()
    pill = page.locator("#net")
    expect(pill).to_have_text("Offline · 1 to sync")
    set_text_size(page, 200)
    measured = page.evaluate(MEASURE)
    page.screenshot(path=SCREENSHOTS / "large-header-offline-200.png")
    context.close()
    assert len(measured["header"]) == 3  # brand, pill, "Get help now"
    assert not problems_of(measured), problems_of(measured)
