"""Browser tests: a real server process, headless Chromium at phone size (360 x 640).

Run them on their own: ``pytest tests/e2e`` (sync Playwright keeps an event loop open for the
session, so they are a separate invocation from the async API tests). Fixtures only; the
browser steps the tests share are in ``tests/helpers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.helpers import new_context
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


@pytest.fixture
def context(browser: Browser, server: str) -> Iterator[BrowserContext]:
    ctx = new_context(browser, server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    p = context.new_page()
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("console", on_console)
    yield p
    # An uncaught exception or a CSP violation (reported on the console) fails the test.
    unexpected = [e for e in errors if "Failed to load resource" not in e]
    assert not unexpected, unexpected
