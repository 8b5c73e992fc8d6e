"""First-load transfer budget: the whole app as a new phone downloads it, ≤ 100 kB compressed.

The service worker pre-caches every screen on the first visit, so the first load is the whole
app (all modules, styles, the header icon), plus the public JSON warmed for offline use.
Measured twice: from Chromium's own accounting of encoded body bytes, and independently by
fetching the same URLs with ``Accept-Encoding: gzip``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, Request, expect

from tests.helpers import new_context, wait_for_service_worker

BUDGET = 100 * 1000  # bytes, compressed


def test_first_load_fits_the_budget(browser: Browser, server: str) -> None:
    context = new_context(browser, server)
    finished: list[Request] = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Welcome to Waypoint")).to_be_visible()
    wait_for_service_worker(page)
    page.wait_for_load_state("networkidle")
    measured: dict[str, int] = {}
    for request in finished:
        response = request.response()
        if response is None or response.from_service_worker:
            continue
        size = request.sizes()["responseBodySize"]
        measured[request.url] = max(measured.get(request.url, 0), size)
    context.close()

    paths = sorted({urlsplit(url).path for url in measured})
    shell = [p for p in paths if not p.startswith("/api/")]
    assert "/" in shell
    assert "/sw.js" in shell
    assert any(p.endswith("/js/app.js") for p in shell)
    assert len([p for p in shell if p.endswith(".js")]) >= 15  # every screen was pre-cached

    by_gzip: dict[str, int] = {}
    with httpx.Client(base_url=server) as client:
        for path in paths:
            with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as raw:
                by_gzip[path] = sum(len(chunk) for chunk in raw.iter_raw())
    browser_total = sum(measured.values())
    gzip_total = sum(by_gzip.values())
    shell_total = sum(by_gzip[p] for p in shell)
    summary = (
        f"first load: {len(paths)} requests; shell {shell_total} B gzip ({len(shell)} files); "
        f"everything {gzip_total} B gzip, {browser_total} B per Chromium"
    )
    assert gzip_total <= BUDGET, (summary, by_gzip)
    assert browser_total <= BUDGET, (summary, measured)
