"""Browser tests: a real server process, headless Chromium at phone size (360 x 640).

Run them on their own: ``pytest tests/e2e`` (sync Playwright keeps an event loop open for the
session, so they are a separate invocation from the async API tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.server import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 640}
PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).parent / "screenshots"
SEED_SCRIPT = Path(__file__).parent / "seed.js"

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m api serve --host 127.0.0.1 --port 0 --db <tmp>`` ; yields its base URL."""
    # Every test registers from the same address: lift the per-address log-in limit.
    process = ServerProcess(
        tmp_path_factory.mktemp("e2e") / "db.sqlite",
        env={"WAYPOINT_LOGIN_ATTEMPTS": "10000", "WAYPOINT_SHARE_ATTEMPTS": "10000"},
    )
    process.start()
    yield process.url
    process.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


def new_context(browser: Browser, server: str, **options: Any) -> BrowserContext:
    settings: dict[str, Any] = {
        "viewport": PHONE,
        "base_url": server,
        "service_workers": "allow",
        "locale": "en-US",
    }
    return browser.new_context(**{**settings, **options})


@pytest.fixture
def context(browser: Browser, server: str) -> Iterator[BrowserContext]:
    ctx = new_context(browser, server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    errors: list[str] = []
    p = context.new_page()
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("console", lambda m: m.type == "error" and errors.append(m.text))
    yield p
    # An uncaught exception or a CSP violation (reported on the console) fails the test.
    unexpected = [e for e in errors if "Failed to load resource" not in e]
    assert not unexpected, unexpected


def unique(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def register(page: Page, username: str | None = None) -> str:
    """Create an account through the UI; ends on the Today screen."""
    username = username or unique()
    page.goto("/#/login/new")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    return username


def local_today(page: Page) -> str:
    """The browser's calendar day (the account's too: registration sends the browser's zone)."""
    return str(page.evaluate("() => new Date().toLocaleDateString('sv')"))  # sv = YYYY-MM-DD


def wait_for_service_worker(page: Page) -> None:
    # (wait_for_function evaluates a string, which the app's CSP forbids: use a promise instead.)
    page.evaluate(
        """() => navigator.serviceWorker.controller ? true : new Promise((resolve) =>
            navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true)))"""
    )


def api_json(page: Page, path: str, method: str = "GET", body: Any = None) -> Any:
    """Call the API from inside the page (same origin, the page's session cookie)."""
    return page.evaluate(
        """async ([path, method, body]) => {
            const init = {method, credentials: "same-origin", headers: {}};
            if (body !== null) {
                init.body = JSON.stringify(body);
                init.headers["Content-Type"] = "application/json";
            }
            const r = await fetch(path, init);
            return {status: r.status, body: r.status === 204 ? null : await r.json()};
        }""",
        [path, method, body],
    )


def seed_journal(page: Page, days: int = 45, note: str = "") -> None:
    """A plausible course through the API: daily check-ins, infusions, weekly PHQ-9 / GAD-7."""
    page.evaluate(SEED_SCRIPT.read_text(), [days, note])
