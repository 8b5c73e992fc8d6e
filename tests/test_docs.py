"""The README documents every setting and every API route (the datasette habit).

One test case per route and one per setting, each an exact match against the README's own
tables: the API table's `METHOD /path` items (``PUT/GET/DELETE /api/entries/{id}`` names three
routes, ``/api/export/{entries,treatments}.csv`` two paths) and the Configuration table's
`` `name` | `WAYPOINT_NAME` `` cells. The reverse checks catch a README naming something the app
does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from tests.helpers import api_routes

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
METHODS = "GET|PUT|POST|PATCH|DELETE"
ROUTE_ITEM = re.compile(rf"`((?:{METHODS})(?:/(?:{METHODS}))*) (/[^`?\s]*)(?:\?[^`]*)?`")
SETTING_ROW = re.compile(r"^\| `(\w+)` \| `(WAYPOINT_\w+)`", re.MULTILINE)


def section(title: str) -> str:
    """The README's text under ``## title``, up to the next second-level heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def expand(path: str) -> list[str]:
    """``/a/{b,c}.csv`` -> ``/a/b.csv``, ``/a/c.csv``; a brace without a comma is a parameter."""
    match = re.search(r"\{([^}]*,[^}]*)\}", path)
    if match is None:
        return [path]
    head, tail = path[: match.start()], path[match.end() :]
    return [p for choice in match[1].split(",") for p in expand(head + choice + tail)]


def documented_routes() -> set[tuple[str, str]]:
    table = "\n".join(line for line in section("API").splitlines() if line.startswith("|"))
    return {
        (method, path)
        for methods, paths in ROUTE_ITEM.findall(table)
        for method in methods.split("/")
        for path in expand(paths)
    }


def readme_form(path: str) -> str:
    """The README calls every identifier ``{id}`` (``{record_id}``, ``{share_id}``, ...)."""
    return re.sub(r"\{\w+_id\}", "{id}", path)


# create_app only builds the route table; the database is opened by the lifespan, never run here.
APP_ROUTES = api_routes(create_app(Settings(db_path=Path("never-opened.sqlite3"))))
DOCUMENTED_ROUTES = documented_routes()
DOCUMENTED_SETTINGS = dict(SETTING_ROW.findall(section("Configuration")))
SETTINGS = [field.name for field in msgspec.structs.fields(Settings)]


@pytest.mark.parametrize(("method", "path"), APP_ROUTES, ids=[f"{m} {p}" for m, p in APP_ROUTES])
def test_route_is_in_the_readme_api_table(method: str, path: str) -> None:
    assert (method, readme_form(path)) in DOCUMENTED_ROUTES


def test_the_readme_api_table_names_only_real_routes() -> None:
    real = {(method, readme_form(path)) for method, path in APP_ROUTES}
    assert sorted(DOCUMENTED_ROUTES - real) == []


@pytest.mark.parametrize("name", SETTINGS)
def test_setting_is_in_the_readme_table(name: str) -> None:
    assert DOCUMENTED_SETTINGS.get(name) == f"WAYPOINT_{name.upper()}"


def test_the_readme_table_names_only_real_settings() -> None:
    assert sorted(set(DOCUMENTED_SETTINGS) - set(SETTINGS)) == []
