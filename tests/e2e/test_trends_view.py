"""Trends written for patients, and the month view: the headline sentence's rule on both sides
of every threshold (run in the browser, on the module the app uses), and the screens as a
person sees them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers import new_context, seed_journal, sign_up

HEADLINE = """async ([summary, today]) => {
    const api = document.querySelector('link[href$="/js/api.js"]').href;
    const href = api.replace("api.js", "summary.js");
    const { headline } = await import(href);
    return headline(summary, today);
}"""
RATE = """async (days) => {
    const api = document.querySelector('link[href$="/js/api.js"]').href;
    const href = api.replace("api.js", "summary.js");
    const { checkinRate } = await import(href);
    return checkinRate(days);
}"""
TODAY = "2026-12-01"
BEFORE = "your mood before treatment"


def summary(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "latest_mood_7d": 6.2,
        "latest_mood_7d_date": TODAY,
        "baseline_mood": 4.0,
        "baseline_source": "first_treatment",
        "mood_change": 2.2,
    }
    return base | fields


@pytest.fixture
def blank(page: Page) -> Page:
    page.goto("/#/welcome")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({}, "This week: 6/10, about 2 points above your mood before treatment."),
        ({"mood_change": 0.49}, "This week: 6/10, about the same as your mood before treatment."),
        ({"mood_change": 0.5}, "This week: 6/10, about 1 point above your mood before treatment."),
        ({"mood_change": -0.49}, "This week: 6/10, about the same as your mood before treatment."),
        # Worse is named as plainly as better.
        ({"mood_change": -0.5}, "This week: 6/10, about 1 point below your mood before treatment."),
        (
            {"mood_change": -2.6},
            f"This week: 6/10, about 3 points below {BEFORE}.",
        ),
        (
            {"latest_mood_7d": 6.5},
            f"This week: 7/10, about 2 points above {BEFORE}.",
        ),
        (
            {"baseline_source": "user"},
            "This week: 6/10, about 2 points above your mood before your baseline date.",
        ),
        # The week ending yesterday is still "this week"; one ending earlier is dated.
        ({"latest_mood_7d_date": "2026-11-30"}, "This week: 6/10, about 2 points above"),
        ({"latest_mood_7d_date": "2026-11-29"}, "The week to Sun, Nov 29: 6/10"),
        # Not enough data: say so, never guess.
        (
            {"baseline_mood": None, "mood_change": None},
            "This week: 6/10. Not enough data yet to compare it with your mood before treatment.",
        ),
        (
            {"mood_change": None},
            "This week: 6/10. Not enough data yet to compare it with your mood before treatment.",
        ),
        (
            {"latest_mood_7d": None, "latest_mood_7d_date": None},
            "Not enough check-ins yet to say how your week is going.",
        ),
    ],
)
def test_headline_rule(blank: Page, fields: dict[str, Any], said: str) -> None:
    sentence = blank.evaluate(HEADLINE, [summary(**fields), TODAY])
    assert sentence.startswith(said), sentence


def test_checkin_rate_counts_from_the_first_checkin(blank: Page) -> None:
    days = [{"day": f"2026-11-{d:02d}", "checkins": c} for d, c in enumerate([0, 0, 1, 0, 2, 1], 1)]
    assert blank.evaluate(RATE, days) == {"logged": 3, "total": 4, "since": "2026-11-03"}
    assert blank.evaluate(RATE, [{"day": "2026-11-01", "checkins": 0}]) is None


@pytest.fixture(scope="module")
def journal(browser: Browser, server: str) -> dict[str, Any]:
    context = new_context(browser, server)
    page = context.new_page()
    sign_up(page)
    seed_journal(page, days=45)
    state = context.storage_state()
    context.close()
    return {"state": state}


@pytest.fixture
def trends(browser: Browser, server: str, journal: dict[str, Any]) -> Iterator[Page]:
    context = new_context(browser, server, storage_state=journal["state"])
    page = context.new_page()
    page.goto("/#/trends")
    page.get_by_role("button", name="90 days").click()  # longer than the journal: 45 days
    expect(page.locator('#main [aria-busy="true"]')).to_have_count(0)
    page.wait_for_load_state("networkidle")
    yield page
    context.close()


def test_trends_start_with_the_sentence_and_the_chart(trends: Page) -> None:
    order = trends.evaluate(
        """() => [...document.querySelectorAll("#main > div[aria-busy] > *")]
            .filter((el) => !el.hidden).map((el) => el.id || el.tagName.toLowerCase())"""
    )
    assert order[:2] == ["headline", "figure"], order
    expect(trends.locator("#headline")).to_have_text(
        re.compile(
            r"^This week: \d+/10, about \d+ points? (above|below) your mood before treatment\.$"
        )
    )
    # The title carries years; the x-axis starts at the first data (45 days ago), not 90.
    caption = trends.locator("#chart-title")
    expect(caption).to_have_text(re.compile(r"Daily mood, \w+ \d+, 20\d\d to \w+ \d+, 20\d\d"))
    texts = trends.locator("svg.chart > text").all_text_contents()
    assert any(re.search(r"20\d\d", t) for t in texts), texts  # the axis' first day has its year
    days_drawn = trends.evaluate("() => document.querySelectorAll('table tbody tr').length")
    assert 35 <= days_drawn <= 46
    expect(trends.locator("svg.chart line.baseline")).to_have_count(1)
    expect(trends.locator(".legend")).to_contain_text("Before treatment (baseline)")


def test_each_questionnaire_on_its_own_scale_and_no_dot_covers_a_band_name(trends: Page) -> None:
    chart = trends.locator("svg.chart")
    expect(chart.locator("text", has_text="PHQ-9 (0–27)")).to_have_count(1)
    expect(chart.locator("text", has_text="GAD-7 (0–21)")).to_have_count(1)
    boxes = chart.evaluate(
        """(svg) => {
            const box = (el) => {
                const r = el.getBoundingClientRect();
                return [r.left, r.top, r.right, r.bottom];
            };
            const names = ["minimal", "mild", "moderate", "mod. severe", "severe"];
            return {
                labels: [...svg.querySelectorAll("text")]
                    .filter((t) => names.includes(t.textContent)).map(box),
                dots: [...svg.querySelectorAll("circle, rect.gad7")].map(box),
            };
        }"""
    )
    assert len(boxes["labels"]) == 9  # five PHQ-9 bands and four GAD-7 bands
    for label in boxes["labels"]:
        for dot in boxes["dots"]:
            overlap = (
                label[0] < dot[2] and dot[0] < label[2] and label[1] < dot[3] and dot[1] < label[3]
            )
            assert not overlap, (label, dot)


def test_tapping_a_treatment_mark_shows_the_session(trends: Page) -> None:
    mark = trends.locator("svg.chart path.treat-mark").first
    box = mark.bounding_box()
    assert box is not None
    trends.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    detail = trends.locator("#day-detail")
    expect(detail).to_contain_text("IV infusion (done)")
    expect(detail).to_contain_text("35 mg")
    expect(detail).to_contain_text("Riverside Clinic")
    # New data (a sync landing) redraws the screen; the open details stay open.
    trends.evaluate(
        """() => new Promise((resolve) => {
            const old = document.getElementById("headline");
            new MutationObserver(() => !old.isConnected && resolve(true))
                .observe(document.getElementById("main"), { childList: true, subtree: true });
            window.dispatchEvent(new CustomEvent("waypoint:data"));
        })"""
    )
    expect(trends.locator("#day-detail")).to_contain_text("Riverside Clinic")


def test_by_day_table_stacks_on_a_phone(trends: Page) -> None:
    row = trends.locator("table tbody tr").first
    expect(row.locator("td").first).to_have_attribute("data-label", "Mood")
    layout = row.evaluate(
        """(tr) => ({display: getComputedStyle(tr).display, right: Math.max(...[...tr.children]
            .map((c) => c.getBoundingClientRect().right)), width: innerWidth})"""
    )
    assert layout["display"] == "grid"
    assert layout["right"] <= layout["width"]
    # Every column is shown: the labels of all seven cells are on the screen.
    labels = row.evaluate(
        """(tr) => [...tr.querySelectorAll('td')]
            .map((td) => getComputedStyle(td, '::before').content)"""
    )
    assert len(labels) == 7
    assert all(label not in ("none", '""') for label in labels)


def test_the_month_view_colours_each_day_and_lists_its_checkins(trends: Page) -> None:
    trends.get_by_role("link", name="Month view").click()
    expect(trends.get_by_role("heading", level=1, name="Month view")).to_be_visible()
    trends.get_by_role("button", name="Previous month").click()
    day = trends.locator(".month button.day[data-mood]:not(.empty)").first
    mood = day.get_attribute("data-mood")
    assert mood is not None
    assert mood.isdigit()
    expect(day).to_have_class(re.compile(f"\\bm{mood}\\b"))
    expect(day.locator(".mood-n")).to_have_text(mood)  # the number is written, not only coloured
    colours = trends.evaluate(
        """() => new Set([...document.querySelectorAll(".month button.day:not(.empty)")]
            .map((d) => getComputedStyle(d).backgroundColor)).size"""
    )
    assert colours >= 3
    treated = trends.locator(".month button.day.treated").first
    expect(treated).to_have_attribute("aria-label", re.compile("treatment day"))
    day.click()
    detail = trends.locator("#calendar-day")
    expect(detail).to_contain_text(f"mood {mood}/10")
