"""Installable and fast to serve: manifest, icons, service worker, caching and compression."""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from api.settings import PROJECT_DIR
from tests.helpers import new_context, wait_for_service_worker
from tests.server import ServerProcess


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_page_is_controlled_by_the_service_worker(page: Page) -> None:
    page.goto("/")
    wait_for_service_worker(page)
    script = page.evaluate("() => navigator.serviceWorker.controller.scriptURL")
    assert script.endswith("/sw.js")
    caches = page.evaluate("() => caches.keys()")
    assert any(name.startswith("waypoint-shell-") for name in caches)


def test_manifest_has_what_install_needs(page: Page, server: str) -> None:
    page.goto("/")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert href is not None
    response = httpx.get(server + href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Waypoint"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    sizes: dict[str, set[int]] = {}
    for icon in manifest["icons"]:
        image = httpx.get(server + icon["src"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        width, height = png_size(image.content)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"]
    assert 512 in sizes["maskable"]


def test_the_app_opens_offline(page: Page, context: BrowserContext) -> None:
    page.goto("/#/guides")
    expect(page.get_by_role("heading", level=1, name="Guides")).to_be_visible()
    wait_for_service_worker(page)
    page.get_by_role("link", name="A session and the hours after").click()
    guide_title = "A session and the hours after"
    expect(page.get_by_role("heading", level=1)).to_have_text(guide_title)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(guide_title)  # the opened guide
    expect(page.locator("article.guide")).to_be_visible()


def test_a_new_version_waits_until_the_person_reloads(browser: Browser, tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PROJECT_DIR / "pwa", pwa)
    env = {"WAYPOINT_PWA_DIR": str(pwa)}
    server = ServerProcess(tmp_path / "db.sqlite", env=env)
    server.start()
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_service_worker(page)
        stylesheet = page.locator('link[rel="stylesheet"]')
        old = stylesheet.get_attribute("href")
        banner = page.locator("#update")
        expect(banner).to_be_hidden()

        # Deploy a new version at the same address: one changed file.
        server.stop()
        css = pwa / "css" / "app.css"
        css.write_text(css.read_text() + "\n/* next version */\n")
        server = ServerProcess(tmp_path / "db.sqlite", env=env, listen_port=server.port)
        server.start()

        page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("A new version is ready")
        # Until the person chooses, the page keeps its version and the new worker waits.
        waiting = "() => navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)"
        assert page.evaluate(waiting)
        assert stylesheet.get_attribute("href") == old
        with page.expect_navigation():
            banner.get_by_role("button", name="Reload").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert not page.evaluate(waiting)
        assert page.locator('link[rel="stylesheet"]').get_attribute("href") != old
        expect(page.locator("#update")).to_be_hidden()
    finally:
        context.close()
        server.stop()


def test_assets_are_versioned_cached_and_compressed(server: str) -> None:
    html = httpx.get(server + "/", headers={"Accept-Encoding": "gzip"})
    assert html.headers["cache-control"] == "no-cache"
    assert html.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in html.headers["vary"].lower()
    assert "__V__" not in html.text
    assert 'src="/v/' in html.text
    assert 'href="/v/' in html.text

    script = html.text.split('<script type="module" src="', 1)[1].split('"', 1)[0]
    raw = httpx.get(server + script, headers={"Accept-Encoding": "gzip"}, follow_redirects=False)
    assert raw.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert raw.headers["content-type"].startswith("text/javascript")
    assert raw.headers["content-encoding"] == "gzip"
    plain = httpx.get(server + script, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert raw.text == plain.text  # decoded once, it is the script itself (not compressed twice)
    assert len(gzip.compress(plain.content)) < len(plain.content)

    etag = html.headers["etag"]
    assert httpx.get(server + "/", headers={"If-None-Match": etag}).status_code == 304
    worker = httpx.get(server + "/sw.js")
    assert worker.headers["cache-control"] == "no-cache"
    assert script in worker.text  # the worker pre-caches this very version
