"""The safety plan in the web app: written on its own screen (online and offline, through the same
outbox as check-ins), shown FIRST in the crisis panel from the copy on the phone — offline too —
with every phone number a ``tel:`` link; a panel that opened by itself says why; care-team
prompts are a calm card after a questionnaire and on Trends."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.helpers import (
    api_json,
    check,
    check_in,
    local_today,
    sign_up,
    wait_for_service_worker,
)


def step(page: Page, title: str) -> Locator:
    return page.get_by_role("group", name=title)


def write_plan(page: Page) -> None:
    page.goto("/#/more")
    page.get_by_role("link", name="My safety plan").click()
    expect(page.get_by_role("heading", level=1, name="My safety plan")).to_be_visible()
    signs = step(page, "Warning signs that a crisis may be starting")
    signs.get_by_role("textbox", name="Warning sign 1", exact=True).fill(
        "I stop answering messages"
    )
    signs.get_by_role("button", name="Add warning sign").click()
    expect(signs.get_by_role("textbox", name="Warning sign 2", exact=True)).to_be_focused()
    signs.get_by_role("textbox", name="Warning sign 2", exact=True).fill("Lying awake after 3 am")
    step(page, "Things I can do on my own").get_by_role(
        "textbox", name="Thing to do 1", exact=True
    ).fill("Walk round the park")
    people = step(page, "People I can ask for help")
    people.get_by_role("textbox", name="Name (person 1)", exact=True).fill("Sam (sister)")
    people.get_by_role("textbox", name="Phone (optional) (person 1)", exact=True).fill(
        "+1 (555) 010-0199"
    )
    pros = step(page, "Professionals and services I can call")
    pros.get_by_role("textbox", name="Name (professional or service 1)", exact=True).fill(
        "Clinic after hours"
    )
    pros.get_by_role(
        "textbox", name="Phone (optional) (professional or service 1)", exact=True
    ).fill("555 010 0142")
    step(page, "My reasons to keep going").get_by_role("textbox", name="Reason 1", exact=True).fill(
        "My dog, Pepper"
    )
    page.get_by_role("button", name="Save my plan").click()


def expect_plan_first(page: Page) -> None:
    panel = page.get_by_role("dialog", name="Get help now")
    expect(panel).to_be_visible()
    plan = panel.get_by_role("region", name="Your safety plan")
    expect(plan).to_contain_text("I stop answering messages")
    expect(plan).to_contain_text("Walk round the park")
    expect(plan).to_contain_text("My dog, Pepper")
    expect(
        plan.get_by_role("link", name="Call Sam (sister) (+1 (555) 010-0199)")
    ).to_have_attribute("href", "tel:+15550100199")
    expect(
        plan.get_by_role("link", name="Call Clinic after hours (555 010 0142)")
    ).to_have_attribute("href", "tel:5550100142")
    # The plan comes first, then the deployment's crisis lines.
    line = panel.get_by_role("link", name="Call 988")
    expect(line).to_have_attribute("href", "tel:988")
    order = panel.locator("#crisis-body > *").evaluate_all(
        "(nodes) => nodes.map((n) => n.className || n.tagName)"
    )
    assert order.index("plan") < order.index("resources"), order


def test_plan_is_saved_reloads_and_comes_first_in_the_panel_offline(
    page: Page, context: BrowserContext
) -> None:
    sign_up(page)
    wait_for_service_worker(page)
    write_plan(page)
    expect(page.get_by_role("status")).to_contain_text("Your safety plan is saved.")
    stored = api_json(page, "/api/safety-plan")["body"]
    assert stored["version"] == 1
    assert stored["people_to_ask"] == [{"name": "Sam (sister)", "phone": "+1 (555) 010-0199"}]
    assert stored["warning_signs"] == ["I stop answering messages", "Lying awake after 3 am"]
    assert stored["distractions"] == []  # the empty line was not sent

    page.reload()
    signs = step(page, "Warning signs that a crisis may be starting")
    expect(signs.get_by_role("textbox", name="Warning sign 2", exact=True)).to_have_value(
        "Lying awake after 3 am"
    )

    context.set_offline(True)
    page.reload()  # the service worker serves the app; the plan comes from IndexedDB
    expect(page.get_by_role("heading", level=1, name="My safety plan")).to_be_visible()
    page.get_by_role("button", name="Get help now").click()
    expect_plan_first(page)


def test_plan_edited_offline_waits_and_syncs(page: Page, context: BrowserContext) -> None:
    sign_up(page)
    wait_for_service_worker(page)
    write_plan(page)
    expect(page.get_by_role("status")).to_contain_text("Your safety plan is saved.")
    context.set_offline(True)
    things = step(page, "Things I can do on my own")
    things.get_by_role("button", name="Add thing to do").click()
    things.get_by_role("textbox", name="Thing to do 2", exact=True).fill("Cold water on my face")
    things.get_by_role("button", name="Remove thing to do 1").click()
    page.get_by_role("button", name="Save my plan").click()
    expect(page.get_by_role("status")).to_contain_text("Saved on this phone")
    expect(page.locator("#plan-state")).to_contain_text("Waiting to sync")
    # Offline, the panel already shows the edited plan.
    page.get_by_role("button", name="Get help now").click()
    plan = page.get_by_role("region", name="Your safety plan")
    expect(plan).to_contain_text("Cold water on my face")
    expect(plan).not_to_contain_text("Walk round the park")
    page.get_by_role("button", name="Close").click()

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#plan-state")).not_to_contain_text("Waiting to sync")
    stored = api_json(page, "/api/safety-plan")["body"]
    assert stored["version"] == 2
    assert stored["coping_strategies"] == ["Cold water on my face"]


def test_a_bad_phone_number_is_named_in_words_and_not_sent(page: Page) -> None:
    sign_up(page)
    page.goto("/#/safety-plan")
    people = step(page, "People I can ask for help")
    people.get_by_role("textbox", name="Name (person 1)", exact=True).fill("Sam")
    people.get_by_role("textbox", name="Phone (optional) (person 1)", exact=True).fill("call me")
    page.get_by_role("button", name="Save my plan").click()
    expect(people).to_contain_text("A phone number has digits")
    expect(
        people.get_by_role("textbox", name="Phone (optional) (person 1)", exact=True)
    ).to_have_attribute("aria-invalid", "true")
    assert api_json(page, "/api/safety-plan")["body"]["version"] == 0


def answer_phq9(page: Page, answers: list[int]) -> None:
    page.goto("/#/questionnaires/phq9")
    form = page.get_by_role("form", name="PHQ-9")
    groups = form.get_by_role("group")
    expect(groups).to_have_count(10)
    for number, value in enumerate(answers):
        groups.nth(number).get_by_role("radio").nth(value).check()
    form.get_by_role("button", name="See my score").click()


def test_the_panel_says_why_it_opened_and_shows_the_plan(page: Page) -> None:
    sign_up(page)
    write_plan(page)
    expect(page.get_by_role("status")).to_contain_text("Your safety plan is saved.")
    answer_phq9(page, [1, 1, 1, 1, 1, 1, 1, 1, 2])
    panel = page.get_by_role("dialog", name="Get help now")
    expect(panel).to_be_visible()
    expect(panel.locator(".reason")).to_have_text(
        "You answered “More than half the days” to question 9."
    )
    expect_plan_first(page)
    check(page, "crisis-with-plan")


def test_the_panel_opened_by_hand_has_no_reason_and_offers_a_plan(page: Page) -> None:
    sign_up(page)
    page.get_by_role("button", name="Get help now").click()
    panel = page.get_by_role("dialog", name="Get help now")
    expect(panel.get_by_role("link", name="Call 988")).to_be_visible()
    expect(panel.locator(".reason")).to_have_count(0)
    panel.get_by_role("link", name="Make a safety plan").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("heading", level=1, name="My safety plan")).to_be_visible()


def test_a_severe_phq9_shows_a_calm_care_team_card(page: Page) -> None:
    sign_up(page)
    answer_phq9(page, [3, 3, 3, 3, 3, 3, 3, 3, 0])  # 24, item 9 = 0: no crisis panel
    expect(page.get_by_role("heading", name="Your score: 24 of 27")).to_be_visible()
    card = page.get_by_role("region", name="Worth telling your care team")
    expect(card).to_contain_text("This note appears because your PHQ-9 score is 24")
    expect(page.get_by_role("dialog")).to_be_hidden()

    page.goto("/#/trends")
    card = page.get_by_role("region", name="Worth telling your care team")
    expect(card).to_contain_text("your PHQ-9 score is 24, in the severe range")


def test_a_low_week_of_check_ins_shows_the_card_on_today(page: Page) -> None:
    sign_up(page)
    today = date.fromisoformat(local_today(page))
    for back in (1, 2, 3):
        day = (today - timedelta(days=back)).isoformat()
        answer = api_json(page, f"/api/entries/{uuid.uuid4()}", "PUT", {"day": day, "mood": 1})
        assert answer["status"] == 201, answer
    page.reload()
    check_in(page, 1)
    card = page.get_by_role("region", name="Worth telling your care team")
    expect(card).to_contain_text("your mood over the last 7 days averages 1.0 out of 10")
    expect(page.get_by_role("dialog")).to_be_hidden()  # a calm card, not the crisis panel


def test_a_plan_changed_on_another_device_asks_which_to_keep(page: Page) -> None:
    sign_up(page)
    write_plan(page)
    expect(page.get_by_role("status")).to_contain_text("Your safety plan is saved.")
    # Another device writes version 2 while this phone still shows version 1.
    other = api_json(
        page, "/api/safety-plan", "PUT", {"base_version": 1, "warning_signs": ["Skipping meals"]}
    )
    assert other["status"] == 200, other
    step(page, "Things I can do on my own").get_by_role(
        "textbox", name="Thing to do 1", exact=True
    ).fill("Make tea")
    page.get_by_role("button", name="Save my plan").click()
    issues = page.locator("#sync-issues")
    expect(issues).to_contain_text("1 change needs your choice")
    issues.get_by_text("1 change needs your choice").click()
    expect(issues).to_contain_text("This safety plan was also changed on another device")
    expect(issues).to_contain_text("Skipping meals")
    issues.get_by_role("button", name="Keep theirs").click()
    signs = step(page, "Warning signs that a crisis may be starting")
    expect(signs.get_by_role("textbox", name="Warning sign 1", exact=True)).to_have_value(
        "Skipping meals"
    )
    expect(issues).to_be_hidden()
    assert api_json(page, "/api/safety-plan")["body"]["version"] == 2
