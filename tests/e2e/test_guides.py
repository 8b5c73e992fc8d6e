"""Guides in the browser: the journey order, the sources under each guide, and crisis lines that
come from the deployment's crisis_file; the crisis panel of a phone that never reached
GET /api/crisis shows a generic line, not another country's number."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.helpers import new_context
from tests.server import ServerProcess

ELSEWHERE = {
    "message": "Reach out now.",
    "not_monitored": "Nobody watches this journal in real time.",
    "resources": [
        {"name": "Samaritans", "kind": "call", "contact": "116 123", "url": "tel:116123"},
        {"name": "Emergency services", "kind": "emergency", "contact": "112"},
    ],
}


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second deployment whose crisis_file lists non-US lines."""
    directory: Path = tmp_path_factory.mktemp("elsewhere")
    crisis_file = directory / "crisis.json"
    crisis_file.write_text(json.dumps(ELSEWHERE))
    with ServerProcess(
        directory / "db.sqlite", env={"WAYPOINT_CRISIS_FILE": str(crisis_file)}
    ) as process:
        yield process.url


def test_the_list_follows_a_newcomers_journey(page: Page) -> None:
    page.goto("/#/guides")
    links = page.locator("ul.list > li > a.label")
    expect(links.first).to_have_text("Ketamine or esketamine: the two main forms side by side")
    expect(links).to_have_count(10)
    assert links.all_text_contents()[-2:] == [
        "For family: how to help",
        "A family safety plan",
    ]


def test_a_guide_shows_its_sources_and_the_deployments_crisis_lines(page: Page) -> None:
    page.goto("/#/guides/session-and-after")
    sources = page.get_by_role("region", name="Sources")
    expect(sources).to_contain_text("Spravato prescribing information (Janssen 2025)")
    lines = page.locator("article.guide .crisis-lines")
    expect(lines.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")


def test_another_deployment_shows_its_own_lines(browser: Browser, elsewhere: str) -> None:
    context = new_context(browser, elsewhere)
    page = context.new_page()
    page.goto("/#/guides/a-family-safety-plan")
    lines = page.locator("article.guide .crisis-lines")
    expect(lines.get_by_role("link", name="Call 116 123 — Samaritans")).to_have_attribute(
        "href", "tel:116123"
    )
    expect(lines.get_by_role("link", name="Call 112 — Emergency services")).to_be_visible()
    expect(page.locator("article.guide")).not_to_contain_text("988")
    context.close()


def test_a_phone_that_never_reached_the_crisis_list_shows_a_generic_line(
    browser: Browser, server: str
) -> None:
    # No service worker (it would fetch and cache the list) and GET /api/crisis never answers.
    context = new_context(browser, server, service_workers="block")
    page = context.new_page()

    def refuse(route: Route) -> None:
        route.abort()

    page.route("**/api/crisis", refuse)
    page.goto("/#/login")
    page.get_by_role("button", name="Get help now").click()
    panel = page.get_by_role("dialog", name="Get help now")
    expect(panel).to_contain_text("call your local emergency number")
    expect(panel).not_to_contain_text("988")
    expect(panel.locator("a[href^='tel:']")).to_have_count(0)
    context.close()
