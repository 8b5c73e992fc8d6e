"""The README documents every setting and every API route (the datasette habit)."""

from __future__ import annotations

import re

import msgspec
from litestar import Litestar
from litestar.routes import HTTPRoute

from api.settings import PROJECT_DIR, Settings

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    for field in msgspec.structs.fields(Settings):
        assert f"| `{field.name}` | `WAYPOINT_{field.name.upper()}`" in README, field.name


def test_every_api_route_is_in_the_readme(app: Litestar) -> None:
    documented = README + "".join(
        f" /api/export/{kind}.csv" for kind in ("entries", "treatments", "assessments")
    )
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/api/schema"):
            continue
        if not route.path.startswith(("/api/", "/healthz")):
            continue
        path = re.sub(r"\{(\w+)(:\w+)?\}", r"{id}", route.path)
        path = re.sub(r"/api/(entries|treatments|assessments)/\{id\}", r"/api/\1/{id}", path)
        stem = path.replace("{id}", "")
        assert stem.rstrip("/") in documented or path in documented, route.path
