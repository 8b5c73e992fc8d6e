"""A guide's front matter: ``key: value`` lines between two ``---`` lines, read and checked.

Pure (lines in, fields and problems out); ``format`` builds the ``Guide`` from the fields.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

FRONT_MATTER_KEYS = (
    "slug",
    "title",
    "audience",
    "summary",
    "topics",
    "reviewed",
    "sources",
    "order",
)
MAX_ORDER = 9999
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RESERVED_SLUGS = frozenset({"search"})  # would be shadowed by GET /api/guides/search


class Problem(NamedTuple):
    source: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.reason}"


def read_front_matter(
    source: str, lines: list[str], problems: list[Problem]
) -> tuple[dict[str, tuple[int, str]], int]:
    """The ``key -> (line, value)`` pairs, and the index of the body's first line."""
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(source, 1, "a guide must start with a '---' line (front matter)"))
        return {}, 0
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if closing is None:
        problems.append(Problem(source, 1, "the front matter is not closed with a '---' line"))
        return {}, len(lines)
    found: dict[str, tuple[int, str]] = {}
    seen: dict[str, int] = {}  # every known key met, empty or not: its first line
    for index in range(1, closing):
        number, line = index + 1, lines[index]
        if not line.strip():
            continue
        key, colon, value = line.partition(":")  # the FIRST colon: titles may contain colons
        key, value = key.strip(), value.strip()
        if not colon:
            problems.append(Problem(source, number, "expected 'key: value'"))
        elif key not in FRONT_MATTER_KEYS:
            known = ", ".join(FRONT_MATTER_KEYS)
            problems.append(Problem(source, number, f"unknown front-matter key {key!r} ({known})"))
        elif key in seen:
            reason = f"duplicate key {key!r} (first on line {seen[key]})"
            problems.append(Problem(source, number, reason))
        else:
            seen[key] = number
            if value:
                found[key] = (number, value)
            else:
                problems.append(Problem(source, number, f"{key!r} is empty"))
    for key in FRONT_MATTER_KEYS:
        if key not in seen:
            problems.append(Problem(source, 1, f"missing front-matter key {key!r}"))
    return found, closing + 1


def check_fields(source: str, fields: dict[str, tuple[int, str]], problems: list[Problem]) -> None:
    def fail(key: str, reason: str) -> None:
        problems.append(Problem(source, fields[key][0], reason))

    if "slug" in fields:
        slug = fields["slug"][1]
        if not SLUG.match(slug) or len(slug) > 80:
            fail("slug", "slug must be lowercase letters, digits and single hyphens")
        elif slug in RESERVED_SLUGS:
            fail("slug", f"slug {slug!r} is reserved")
    if "audience" in fields and fields["audience"][1] not in ("patient", "family", "both"):
        fail("audience", "audience must be patient, family or both")
    if "reviewed" in fields:
        try:
            if not ISO_DATE.match(fields["reviewed"][1]):
                raise ValueError
            date.fromisoformat(fields["reviewed"][1])
        except ValueError:
            fail("reviewed", "reviewed must be a date written YYYY-MM-DD")
    for key in ("topics", "sources"):
        if key in fields:
            items = [item.strip() for item in fields[key][1].split(",")]
            if not all(items):
                fail(key, f"{key} must be a comma-separated list with no empty entries")
            elif len({item.casefold() for item in items}) != len(items):
                fail(key, f"{key} lists an entry twice")
    if "order" in fields:
        order = fields["order"][1]
        if not (order.isascii() and order.isdigit() and 1 <= int(order) <= MAX_ORDER):
            fail("order", f"order must be a whole number from 1 to {MAX_ORDER}")
    for key, limit in (("title", 120), ("summary", 400)):
        if key in fields and len(fields[key][1]) > limit:
            fail(key, f"{key} is longer than {limit} characters")
