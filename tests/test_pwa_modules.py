"""The web app's modules, read as files: no import cycle (screens move with nav.js, never by
importing the router), and the record kinds' API paths written in one module only."""

from __future__ import annotations

import re
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "pwa" / "js"
IMPORT = re.compile(r"""(?:from\s+|import\s*\(\s*|import\s+)["']\./([\w-]+\.js)["']""")


def imports() -> dict[str, set[str]]:
    return {path.name: set(IMPORT.findall(path.read_text())) for path in JS.glob("*.js")}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (static or dynamic imports alike), or None."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_module_imports_itself_back() -> None:
    graph = imports()
    assert "router.js" in graph["app.js"]
    assert "today.js" in graph["router.js"]
    assert cycle(graph) is None, cycle(graph)


def test_the_cycle_finder_finds_one() -> None:
    assert cycle({"a.js": {"b.js"}, "b.js": {"c.js"}, "c.js": {"a.js"}}) == [
        "a.js",
        "b.js",
        "c.js",
        "a.js",
    ]
    assert cycle({"a.js": {"b.js"}, "b.js": set()}) is None


def test_record_paths_live_in_kinds_js_only() -> None:
    path = re.compile(r"""["'`]/api/(entries|treatments|assessments)/""")
    users = sorted(p.name for p in JS.glob("*.js") if path.search(p.read_text()))
    assert users == [], users  # written as { path: "entries" } in kinds.js, built by recordPath
    assert 'path: "entries"' in (JS / "kinds.js").read_text()
