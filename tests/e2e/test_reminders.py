"""The Reminders screen in headless Chromium: the permission flow, settings, the calendar link.

Headless Chromium here has no push service it can reach, so with permission granted the screen
must say plainly that this browser cannot sign up; the delivery itself is tested against a
local push service in tests/test_push.py.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.helpers import api_json, new_context, sign_up, wait_for_service_worker

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def open_reminders(page: Page) -> None:
    sign_up(page)
    wait_for_service_worker(page)
    page.get_by_role("link", name="More").click()
    page.get_by_role("link", name="Reminders and calendar").click()
    expect(page.get_by_role("heading", level=1, name="Reminders")).to_be_visible()


def test_turn_on_asks_only_then_and_says_plainly_when_it_cannot(
    browser: Browser, server: str
) -> None:
    # Its own page: Chromium itself logs a console error when subscribing fails here, which the
    # shared page fixture would count against the app. Uncaught exceptions still fail the test.
    context = new_context(browser, server)
    context.grant_permissions(["notifications"], origin=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_reminders(page)
    status = page.locator("#push-status")
    expect(status).to_have_text("Reminders are off on this device.")
    expect(page.get_by_text("your browser will ask whether Waypoint may show")).to_be_visible()
    page.get_by_role("button", name="Turn on").click()
    expect(status).to_contain_text("could not sign up for notifications", timeout=20_000)
    expect(status).to_contain_text("The calendar feed below still works.")
    assert api_json(page, "/api/reminders/test", "POST")["body"] == {
        "delivered": 0,
        "subscriptions": 0,
    }
    assert errors == []
    context.close()


def test_no_prompt_before_turn_on_and_a_refusal_is_explained(browser: Browser, server: str) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    open_reminders(page)
    # Opening the screen asked nothing of the browser.
    assert page.evaluate("() => Notification.permission") == "default"
    page.get_by_role("button", name="Turn on").click()
    # Headless Chromium refuses a permission that nobody granted, as a person tapping "Block".
    expect(page.locator("#push-status")).to_contain_text("were not allowed", timeout=20_000)
    context.close()


def test_settings_are_saved(page: Page) -> None:
    open_reminders(page)
    daily = page.get_by_role("group", name="Daily check-in")
    daily.get_by_label("Remind me: daily check-in").check()
    daily.get_by_label("At").fill("20:30")
    page.get_by_label("Discreet: only").check()
    page.get_by_role("button", name="Save reminders").click()
    expect(page.get_by_role("status")).to_have_text("Reminders saved.")
    saved = api_json(page, "/api/reminders")["body"]
    assert saved["checkin"] == {"enabled": True, "time": "20:30"}
    assert saved["wording"] == "discreet"
    assert saved["session"]["enabled"] is False
    page.reload()
    expect(page.get_by_role("group", name="Daily check-in").get_by_label("At")).to_have_value(
        "20:30"
    )
    # A time inside quiet hours is refused in a plain sentence (never the field's name).
    page.get_by_label("No reminders during quiet hours").check()
    page.get_by_role("group", name="Daily check-in").get_by_label("At").fill("23:00")
    page.get_by_role("button", name="Save reminders").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("time")
    expect(alert).not_to_contain_text("checkin.time")


def test_add_to_calendar_gives_a_webcal_link(page: Page) -> None:
    open_reminders(page)
    page.get_by_role("button", name="Add to calendar").click()
    opener = page.get_by_role("link", name="Open in my calendar app")
    expect(opener).to_be_visible()
    webcal = opener.get_attribute("href")
    url = page.locator("#calendar-url").input_value()
    assert webcal is not None
    assert webcal.startswith("webcal://")
    assert url.endswith(".ics")
    assert webcal.split("://", 1)[1] == url.split("://", 1)[1]
    feed = page.request.get(url)
    assert feed.status == 200
    assert feed.text().startswith("BEGIN:VCALENDAR")
    expect(page.get_by_role("button", name="Stop calendar link My calendar")).to_be_visible()


def test_iphone_note(browser: Browser, server: str) -> None:
    context = new_context(browser, server, user_agent=IPHONE)
    page = context.new_page()
    open_reminders(page)
    expect(page.get_by_text("Add to Home Screen")).to_be_visible()
    context.close()


def test_the_service_worker_shows_a_pushed_reminder(page: Page) -> None:
    """The push event as Chromium delivers it (DevTools' deliverPushMessage stands in for the
    push service, which headless Chromium cannot reach); the notification is read back from
    the service worker's registration."""
    page.context.grant_permissions(["notifications"])
    sign_up(page)
    wait_for_service_worker(page)
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, str]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # events arrive while Playwright waits
        if registrations:
            break
        page.wait_for_timeout(100)
    assert registrations, "no service worker registration reported"
    origin = page.evaluate("() => location.origin")
    # The live registration of this page's origin (an updated worker may leave a deleted one).
    live = [r for r in registrations if not r.get("isDeleted") and r["scopeURL"].startswith(origin)]
    assert live, registrations
    payload = (
        '{"kind": "checkin", "title": "Waypoint", "body": "Time for your check-in", '
        '"url": "/#/today"}'
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": origin,
            "registrationId": live[-1]["registrationId"],
            "data": payload,
        },
    )
    shown = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            for (let i = 0; i < 150; i++) {  // up to 15 s: a loaded machine is slow to show it
                const found = await registration.getNotifications();
                if (found.length) return found.map((n) => ({title: n.title, body: n.body,
                    tag: n.tag, url: n.data && n.data.url}));
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            return [];
        }"""
    )
    assert shown == [
        {"title": "Waypoint", "body": "Time for your check-in", "tag": "checkin", "url": "/#/today"}
    ]
