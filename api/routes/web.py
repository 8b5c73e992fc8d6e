"""The web app's static files, served from memory with long-lived caching and pre-compression.

At start-up ``web_handlers(pwa_dir)`` reads every file in ``pwa/`` once, derives a short content
hash (the *version*) and keeps, per file, its bytes and their gzip (and brotli, when the
``brotli`` module happens to be installed) encodings. Requests never touch the disk.

- ``/v/<version>/<path>`` — every asset, ``Cache-Control: public, max-age=31536000, immutable``:
  its URL changes whenever any file changes, so a browser never needs to revalidate it.
- ``/``, ``/shared``, ``/sw.js``, ``/manifest.webmanifest`` — entry points with fixed URLs,
  ``Cache-Control: no-cache`` plus an ``ETag`` (a revalidation costs a 304).

The HTML pages, the service worker and the manifest contain the placeholder ``__V__``, replaced
by the version, so everything they reference is a versioned URL. The service worker also gets
the list of assets to pre-cache in place of ``/*__ASSETS__*/``. Modules import each other by
relative URL, so they stay inside the same version without any rewriting.

The responses are already compressed, so the app's ``CompressionMiddleware`` (which wraps every
route) must leave them alone, whatever ``CompressionConfig`` says: the handlers' own middleware,
which runs outside it, takes ``Accept-Encoding`` out of the request before it gets there and
keeps it for the handler.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.params import FromPath
from litestar.types import ASGIApp, ControllerRouterHandler, Receive, Scope, Send
from litestar.types.empty import Empty
from litestar.utils.scope.state import ScopeState

ACCEPT_ENCODING_KEY = "waypoint.web.accept_encoding"  # where the hidden header is kept
VERSION_PLACEHOLDER = b"__V__"
ASSETS_PLACEHOLDER = b"/*__ASSETS__*/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE_SAVING = 0.9  # keep an encoding only when it is at most 90 % of the original
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".woff2": "font/woff2",
}
# Entry points: fixed URL -> file in pwa/.
ENTRY_POINTS = {
    "/": "index.html",
    "/shared": "shared.html",
    "/sw.js": "sw.js",
    "/manifest.webmanifest": "manifest.webmanifest",
}
# Served as entry points only, and never pre-cached by the service worker under /v/.
NOT_VERSIONED = {"sw.js", "manifest.webmanifest"}
# Rewritten with the version (and, for sw.js, the asset list).
TEMPLATED = {"index.html", "shared.html", "sw.js", "manifest.webmanifest"}


@dataclass(frozen=True)
class Asset:
    """One file, ready to send: its bytes in each encoding and its fixed headers."""

    content_type: str
    encodings: dict[str, bytes] = field(default_factory=dict)  # "identity", "gzip", "br"
    etag: str = ""

    def pick(self, accept_encoding: str) -> tuple[str, bytes]:
        """The smallest encoding the client accepts (q=0 refusals are rare enough to ignore)."""
        accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
        for name in ("br", "gzip"):
            if name in accepted and name in self.encodings:
                return name, self.encodings[name]
        return "identity", self.encodings["identity"]


def _brotli() -> Any:
    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


def _asset(name: str, content: bytes, brotli: Any) -> Asset:
    suffix = Path(name).suffix.lower()
    content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    encodings = {"identity": content}
    if not content_type.startswith(("image/png", "font/")):  # already compressed formats
        gz = gzip.compress(content, compresslevel=9, mtime=0)
        if len(gz) <= len(content) * COMPRESSIBLE_SAVING:
            encodings["gzip"] = gz
        if brotli is not None:
            br = brotli.compress(content, quality=11)
            if len(br) <= len(content) * COMPRESSIBLE_SAVING:
                encodings["br"] = br
    etag = '"' + hashlib.sha256(content).hexdigest()[:16] + '"'
    return Asset(content_type=content_type, encodings=encodings, etag=etag)


def read_files(pwa_dir: Path) -> dict[str, bytes]:
    """Every servable file under ``pwa_dir`` by its POSIX path (no dotfiles, no Python)."""
    files = {}
    for path in sorted(pwa_dir.rglob("*")):
        relative = path.relative_to(pwa_dir)
        if not path.is_file() or any(part.startswith((".", "__")) for part in relative.parts):
            continue
        if path.suffix in {".py", ".pyc", ".md"}:
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def version_of(files: dict[str, bytes]) -> str:
    """A short hash of every file's name and content: changes whenever anything changes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Bundle:
    """The whole web app in memory: the version, the versioned assets and the entry points."""

    version: str
    assets: dict[str, Asset]  # by path under /v/<version>/
    entry_points: dict[str, Asset]  # by URL path


def build_bundle(pwa_dir: Path) -> Bundle:
    files = read_files(pwa_dir)
    if "index.html" not in files:
        raise SystemExit(f"The web app is missing: no index.html in {pwa_dir}")
    version = version_of(files)
    prefix = f"/v/{version}/"
    precache = [prefix + name for name in files if name not in NOT_VERSIONED]
    asset_list = ",".join(f'"{url}"' for url in precache).encode()
    brotli = _brotli()
    rendered = {}
    for name, content in files.items():
        if name in TEMPLATED:
            content = content.replace(VERSION_PLACEHOLDER, version.encode())
            content = content.replace(ASSETS_PLACEHOLDER, asset_list)
        rendered[name] = content
    assets = {
        name: _asset(name, content, brotli)
        for name, content in rendered.items()
        if name not in NOT_VERSIONED
    }
    entry_points = {
        url: assets.get(name) or _asset(name, rendered[name], brotli)
        for url, name in ENTRY_POINTS.items()
        if name in rendered
    }
    return Bundle(version=version, assets=assets, entry_points=entry_points)


def precompressed(app: ASGIApp) -> ASGIApp:
    """Hide ``Accept-Encoding`` from the compression middleware inside; the handler still sees it.

    Litestar's CompressionMiddleware only compresses for a client that accepts gzip, so a
    request that (as far as it can tell) accepts nothing passes through untouched.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            headers = scope["headers"]
            accepted = b",".join(value for name, value in headers if name == b"accept-encoding")
            cast("dict[str, Any]", scope)[ACCEPT_ENCODING_KEY] = accepted.decode("latin-1")
            scope["headers"] = [
                (name, value) for name, value in headers if name != b"accept-encoding"
            ]
            ScopeState.from_scope(scope).headers = Empty  # drop any parsed copy of the old headers
        await app(scope, receive, send)

    return middleware


def _send(asset: Asset, request: Request[Any, Any, Any], cache_control: str) -> Response[bytes]:
    headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding", "ETag": asset.etag}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(b"", status_code=304, headers=headers)
    encoding, body = asset.pick(str(request.scope.get(ACCEPT_ENCODING_KEY, "")))
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=asset.content_type, headers=headers)


def web_handlers(pwa_dir: Path) -> list[ControllerRouterHandler]:
    """Route handlers serving the web app in ``pwa_dir`` (read once, now)."""
    bundle = build_bundle(pwa_dir)
    options: dict[str, Any] = {
        "include_in_schema": False,
        "middleware": [precompressed],
        "sync_to_thread": False,
    }

    def entry_point(url: str) -> ControllerRouterHandler:
        asset = bundle.entry_points[url]

        @get(url, name=f"web:{url}", **options)
        def serve_entry_point(request: Request[Any, Any, Any]) -> Response[bytes]:
            return _send(asset, request, REVALIDATE)

        return serve_entry_point

    @get("/v/{version:str}/{path:path}", name="web:asset", **options)
    def serve_asset(
        request: Request[Any, Any, Any], version: FromPath[str], path: FromPath[Path]
    ) -> Response[bytes]:
        asset = bundle.assets.get(path.as_posix().lstrip("/"))
        if asset is None:
            return Response(b"Not found", status_code=404, media_type="text/plain")
        # An older page asking for an asset after a deploy gets today's file, but uncached:
        # better than a broken screen, and the service worker offers the update anyway.
        current = version == bundle.version
        return _send(asset, request, IMMUTABLE if current else REVALIDATE)

    return [entry_point(url) for url in bundle.entry_points] + [serve_asset]
