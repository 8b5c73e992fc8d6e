"""Web app first load: the compressed bytes of ``/`` and everything it pulls in on first paint.

Follows the page's ``src``/``href`` attributes (same origin), the JavaScript modules' static
imports, and CSS ``@import``/``url()``, as a browser would on a first visit with an empty cache
(``Accept-Encoding: br, gzip``). Counts the bytes on the wire (after compression) and notes,
for each file, its Content-Encoding and Cache-Control.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

HTML_REFS = re.compile(
    r"""<(?:script|link|img|source)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.I
)
JS_IMPORTS = re.compile(
    r"""(?:^|[;\s])(?:import|export)\s*(?:[^'"();]*?\sfrom\s*)?["']([^"']+)["']""", re.M
)
CSS_REFS = re.compile(r"""@import\s+(?:url\()?["']?([^"')\s]+)|url\(["']?([^"')]+)["']?\)""")


def references(kind: str, text: str) -> list[str]:
    if kind == "html":
        return HTML_REFS.findall(text)
    if kind == "js":
        return JS_IMPORTS.findall(text)
    if kind == "css":
        return [a or b for a, b in CSS_REFS.findall(text)]
    return []


def kind_of(url: str, content_type: str) -> str:
    path = urlsplit(url).path
    if "html" in content_type or path.endswith("/"):
        return "html"
    if "javascript" in content_type or path.endswith((".js", ".mjs")):
        return "js"
    if "css" in content_type or path.endswith(".css"):
        return "css"
    return "other"


def first_load(base_url: str) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    todo = [base_url.rstrip("/") + "/"]
    origin = urlsplit(base_url).netloc
    with httpx.Client(headers={"Accept-Encoding": "br, gzip"}, timeout=10) as client:
        while todo:
            url = todo.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            files.append(
                {
                    "url": urlsplit(url).path,
                    "status": response.status_code,
                    "wire_bytes": response.num_bytes_downloaded,
                    "bytes": len(response.content),
                    "encoding": response.headers.get("content-encoding", ""),
                    "cache_control": response.headers.get("cache-control", ""),
                }
            )
            if response.status_code != 200:
                continue
            kind = kind_of(url, response.headers.get("content-type", ""))
            for ref in references(kind, response.text if kind != "other" else ""):
                target = urljoin(url, ref.strip()).split("#")[0]
                if urlsplit(target).netloc == origin and not ref.startswith("data:"):
                    todo.append(target)
    page = files[0] if files else {"status": 0}
    ok = [f for f in files if f["status"] == 200]
    return {
        "available": page["status"] == 200,
        "page_status": page["status"],
        "files": files,
        "wire_bytes": sum(f["wire_bytes"] for f in ok),
        "bytes": sum(f["bytes"] for f in ok),
        "missing": [f["url"] for f in files if f["status"] != 200],
    }
