"""What a newcomer stumbled over on a phone, each fixed and checked as they would notice it:
the bugs, plain language for every refusal, the first visit, the install card, the small things."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect

from tests.helpers import PASSWORD, api_json, check_in, new_context, sign_up, unique

# What must never reach the screen: regex, field names, ids, HTTP and JSON words.
TECHNICAL = re.compile(
    r"[`^$\\{}]|/api|\b\w+_\w+\b|[0-9a-f]{8}-[0-9a-f]{4}|\b[45]\d\d\b"
    r"|\b(HTTP|JSON|PUT|POST|null|Expected|Validation|str)\b"
)


def visible_text(page: Page) -> str:
    return str(page.evaluate("() => document.body.innerText"))


def plan(page: Page, day: str, time: str) -> None:
    page.get_by_label("is planned").check()
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Time", exact=True).fill(time)
    page.get_by_role("button", name="Save treatment").click()


# --- the bugs ----------------------------------------------------------------------------------


def test_two_treatments_in_a_row_both_save(page: Page) -> None:
    sign_up(page)
    page.get_by_role("link", name="Treatments").click()
    plan(page, "2031-05-06", "10:00")
    expect(page.get_by_role("status")).to_have_text("Treatment saved.")
    # The reset form keeps a valid choice ("happened"), so the next save is accepted too.
    expect(page.get_by_label("happened")).to_be_checked()
    page.get_by_label("Date", exact=True).fill("2026-01-05")
    page.get_by_role("button", name="Save treatment").click()
    expect(page.locator("#treatment-lists li")).to_have_count(2)
    expect(page.locator("#sync-issues")).to_be_hidden()
    statuses = sorted(t["status"] for t in api_json(page, "/api/treatments")["body"])
    assert statuses == ["done", "planned"]


def test_a_record_the_server_would_refuse_is_never_queued(page: Page) -> None:
    sign_up(page)
    outcome = page.evaluate(
        """async () => {
            const sync = await import(document.querySelector('link[href$="/js/sync.js"]').href);
            const result = await sync.save("treatment", {
                at: "2026-01-05T10:00:00+00:00", kind: "iv_infusion", status: null,
                side_effects: [], bp_before: null, bp_after: null });
            return { result, outbox: (await sync.outboxItems()).length };
        }"""
    )
    assert outcome["outbox"] == 0
    assert [field for field, _ in outcome["result"]["invalid"]] == ["status"]
    assert api_json(page, "/api/treatments")["body"] == []


def test_own_tags_come_back_after_a_reload_most_used_first(page: Page) -> None:
    sign_up(page)
    for tags in (["Walk with dog"], ["Walk with dog", "Yoga"], ["Yoga", "Walk with dog"]):
        page.get_by_role("group", name="How is your mood right now?").get_by_text(
            "6", exact=True
        ).click()
        page.get_by_text("Add more (optional)").click()
        for tag in tags:
            chip = page.locator(".chips label").get_by_text(tag, exact=True)
            if chip.count():
                chip.click()
            else:
                page.get_by_label("New tag").fill(tag)
                page.get_by_role("button", name="Add tag").click()
        page.get_by_role("button", name="Save check-in").click()
        expect(page.get_by_role("status")).to_contain_text("saved")
    page.reload()
    page.get_by_text("Add more (optional)").click()
    chips = page.locator(".chips label")
    words = chips.all_inner_texts()
    assert words[:2] == ["Walk with dog", "Yoga"], words  # 3 uses before 2; then the defaults
    assert "Treatment day" in words


def test_no_console_message_on_the_first_screen_logged_out(browser: Browser, server: str) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    messages: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            messages.append(message.text)

    page.on("console", on_console)
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Welcome to Waypoint")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Welcome to Waypoint")).to_be_visible()
    page.wait_for_load_state("networkidle")
    context.close()
    assert messages == []  # not even "Failed to load resource" (a 401 for /api/account)


# --- plain language ----------------------------------------------------------------------------


def test_registration_explains_the_rules_first_and_takes_a_name_with_spaces(page: Page) -> None:
    page.goto("/#/login/new")
    expect(page.get_by_text("spaces are not")).to_be_visible()  # before anything is typed
    page.get_by_label("Username").fill("Ann Smith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    username = page.get_by_label("Username")
    expect(username).to_be_focused()
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_contain_text("without spaces")
    name = unique("ann")
    username.fill(name)
    page.get_by_label("Your name (optional)").fill("Ann Smith")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    assert api_json(page, "/api/account")["body"]["display_name"] == "Ann Smith"


def test_a_taken_username_is_said_next_to_the_field(
    page: Page, browser: Browser, server: str
) -> None:
    name = sign_up(page)
    other = new_context(browser, server)
    second = other.new_page()
    second.goto("/#/login/new")
    second.get_by_label("Username").fill(name)
    second.get_by_label("Password").fill(PASSWORD)
    second.get_by_role("button", name="Create account").click()
    expect(second.locator(".field-error")).to_have_text("That username is taken.")
    expect(second.get_by_label("Username")).to_be_focused()
    other.close()


def refuse_with(body: dict[str, Any], status: int = 400) -> Any:
    def handle(route: Route) -> None:
        if route.request.method == "PUT":
            route.fulfill(status=status, json=body)
        else:
            route.fallback()

    return handle


def test_a_server_refusal_is_shown_in_plain_words(page: Page, context: BrowserContext) -> None:
    sign_up(page)
    # The server's own words for a malformed record, as Litestar and msgspec write them.
    technical = {
        "status_code": 400,
        "detail": "Validation failed for PUT /api/entries/4f2a9c1e-0b7d-4c55-9d7e-1a2b3c4d5e6f",
        "extra": [
            {
                "message": "Expected `int` >= 0, got `null` - at `$.sleep_hours`",
                "key": "sleep_hours",
                "source": "body",
            }
        ],
    }
    context.route("**/api/entries/*", refuse_with(technical))
    check_in(page, 5)
    issues = page.locator("#sync-issues")
    expect(issues).to_contain_text("needs your choice")
    issues.locator("summary").click()
    expect(issues).to_contain_text("Hours of sleep are between 0 and 24.")
    expect(issues.get_by_role("button", name="Edit")).to_be_visible()
    expect(issues.get_by_role("button", name="Discard it")).to_be_visible()
    assert not TECHNICAL.search(visible_text(page)), visible_text(page)
    context.unroute("**/api/entries/*")


def test_every_status_reads_as_a_sentence(page: Page) -> None:
    page.goto("/#/welcome")
    said = page.evaluate(
        """async () => {
            const href = document.querySelector('link[href$="/js/api.js"]').href;
            const { ApiError } = await import(href);
            const tech = { detail: "Validation failed for PATCH /api/account", extra: [] };
            return [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503].map(
                (status) => new ApiError(status, tech).message);
        }"""
    )
    for message in said:
        assert message, said
        assert message[0].isupper(), said
        assert message.endswith("."), said
        assert not TECHNICAL.search(message), message


def test_a_skipped_phq9_question_is_marked_and_focused(page: Page) -> None:
    sign_up(page)
    page.goto("/#/questionnaires/phq9")
    form = page.get_by_role("form", name="PHQ-9")
    for number in (1, 2, 4, 5, 6, 7, 8, 9):
        form.get_by_role("group", name=re.compile(f"^{number}\\. ")).get_by_label(
            "Not at all"
        ).check()
    form.get_by_role("button", name="See my score").click()
    skipped = form.get_by_role("group", name=re.compile("^3\\. "))
    expect(skipped).to_have_class(re.compile("invalid"))
    expect(skipped).to_contain_text("Please answer question 3.")
    expect(skipped.get_by_role("radio").first).to_be_focused()
    expect(form.get_by_role("alert")).to_contain_text("One question is still unanswered.")


# --- first visit, install ----------------------------------------------------------------------


def test_first_visit_says_what_it_is_and_guests_find_their_way_back(page: Page) -> None:
    page.goto("/")
    main = page.locator("main")
    expect(main).to_contain_text("check in on your mood")
    expect(main).to_contain_text("Your journal is private")
    for name in ("Create an account", "Log in", "Read the guides"):
        expect(main.get_by_role("link", name=name)).to_be_visible()
    main.get_by_role("link", name="Read the guides").click()
    page.locator("main ul.list li a").first.click()
    expect(page.locator("article.guide")).to_be_visible()
    page.get_by_role("link", name="← Back to the start").click()
    expect(page.get_by_role("heading", level=1, name="Welcome to Waypoint")).to_be_visible()


FAKE_PROMPT = """() => {
    const event = new Event("beforeinstallprompt", { cancelable: true });
    window.promptShown = false;
    event.prompt = () => { window.promptShown = true; };
    event.userChoice = Promise.resolve({ outcome: "accepted" });
    window.dispatchEvent(event);
}"""


def test_install_card_after_the_second_checkin_and_gone_once_installed(page: Page) -> None:
    sign_up(page)
    page.evaluate(FAKE_PROMPT)
    check_in(page, 6)
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    card = page.get_by_role("region", name="Add Waypoint to your home screen")
    expect(card).to_have_count(0)  # one check-in is too early to ask
    check_in(page, 7)
    expect(card).to_be_visible()
    card.get_by_role("button", name="Add to home screen").click()
    expect(card).to_have_count(0)
    assert page.evaluate("() => window.promptShown") is True
    page.reload()
    expect(page.locator("#recent li.checkin")).to_have_count(2)
    expect(card).to_have_count(0)


def test_install_card_on_ios_shows_the_steps_and_stays_dismissed(
    browser: Browser, server: str
) -> None:
    agent = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    context = new_context(browser, server, user_agent=agent)
    page = context.new_page()
    sign_up(page)
    check_in(page, 6)
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    check_in(page, 7)
    card = page.get_by_role("region", name="Add Waypoint to your home screen")
    expect(card).to_contain_text("Add to Home Screen")
    expect(card).to_contain_text("Share")
    card.get_by_role("button", name="No, thanks").click()
    expect(card).to_have_count(0)
    page.reload()
    expect(page.locator("#recent li.checkin")).to_have_count(2)
    expect(card).to_have_count(0)
    context.close()


# --- small things ------------------------------------------------------------------------------


def boxes_overlap(page: Page, a: str, b: str) -> bool:
    return bool(
        page.evaluate(
            """([a, b]) => {
                const r = document.querySelector(a).getBoundingClientRect();
                const s = document.querySelector(b).getBoundingClientRect();
                return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom;
            }""",
            [a, b],
        )
    )


def test_add_more_has_a_chevron_and_the_toast_leaves_the_new_checkin_visible(page: Page) -> None:
    sign_up(page)
    chevron = page.evaluate(
        """() => getComputedStyle(document.querySelector("details > summary"), "::after")
            .borderRightStyle"""
    )
    assert chevron == "solid"
    for mood in (4, 5, 6):
        check_in(page, mood)
        expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    toast = page.locator("#status.show")
    expect(toast).to_be_visible()
    expect(page.locator("#recent li.checkin").first).to_be_in_viewport()
    assert not boxes_overlap(page, "#status", "#recent li.checkin")


def test_share_form_mentions_safety_flags_and_the_new_link_scrolls_into_view(page: Page) -> None:
    sign_up(page)
    page.goto("/#/share")
    page.get_by_label("My clinician").check()
    expect(page.locator("main")).to_contain_text("Safety flags are shown too")
    expect(page.get_by_label("Link stops working after")).to_have_value(
        "14"
    )  # the server's default
    page.get_by_role("button", name="Create link").click()
    heading = page.get_by_role("heading", name="Your link is ready")
    expect(heading).to_be_in_viewport()
    expect(heading).to_be_focused()


def test_time_zone_is_picked_from_a_searchable_list(page: Page) -> None:
    sign_up(page)
    page.goto("/#/account")
    page.get_by_label("Search time zones").fill("new york")
    choices = page.get_by_label("Your time zone")
    expect(choices.locator("option", has_text="America / New York")).to_have_count(1)
    choices.select_option("America/New_York")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_have_text("Profile saved.")
    assert api_json(page, "/api/account")["body"]["timezone"] == "America/New_York"


def test_a_refusal_stored_by_an_older_version_is_shown_plainly(page: Page) -> None:
    sign_up(page)
    page.evaluate(
        """async () => {
            const base = document.querySelector('link[href$="/js/db.js"]').href;
            const db = await import(base);
            const sync = await import(base.replace("db.js", "sync.js"));
            const id = crypto.randomUUID();
            await db.put("outbox", {
                key: `entry:${id}`, kind: "entry", id, op: "put", user: (await db.getMeta("owner")),
                body: { day: "2026-11-30", mood: 5, tags: [], note: "" }, base_version: null,
                queued_at: Date.now(), state: "error",
                error: `Validation failed for PUT /api/entries/${id} mood: Expected \\`int\\``,
            });
            sync.changed();
        }"""
    )
    issues = page.locator("#sync-issues")
    expect(issues).to_contain_text("1 change needs your choice")
    issues.locator("summary").click()
    expect(issues).to_contain_text("The server didn't accept it as it is.")
    assert not TECHNICAL.search(visible_text(page)), visible_text(page)
