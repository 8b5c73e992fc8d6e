"""A guide's front matter: ``key: value`` lines between two ``---`` lines, read and checked.

Pure (lines in, fields and problems out); ``format`` builds the ``Guide`` from the fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def _slug_problem(slug: str) -> str | None:
    if not SLUG.match(slug) or len(slug) > 80:
        return "slug must be lowercase letters, digits and single hyphens"
    if slug in RESERVED_SLUGS:
        return f"slug {slug!r} is reserved"
    return None


def _audience_problem(audience: str) -> str | None:
    if audience not in ("patient", "family", "both"):
        return "audience must be patient, family or both"
    return None


def _reviewed_problem(text: str) -> str | None:
    try:
        if not ISO_DATE.match(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        return "reviewed must be a date written YYYY-MM-DD"
    return None


def _list_problem(key: str, text: str) -> str | None:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        return f"{key} must be a comma-separated list with no empty entries"
    if len({item.casefold() for item in items}) != len(items):
        return f"{key} lists an entry twice"
    return None


def _order_problem(order: str) -> str | None:
    if not (order.isascii() and order.isdigit() and 1 <= int(order) <= MAX_ORDER):
        return f"order must be a whole number from 1 to {MAX_ORDER}"
    return None


def _length_problem(key: str, limit: int) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        return f"{key} is longer than {limit} characters" if len(text) > limit else None

    return check


#: The rule each front-matter value must meet (a reason when it does not).
FIELD_CHECKS: dict[str, Callable[[str], str | None]] = {
    "slug": _slug_problem,
    "audience": _audience_problem,
    "reviewed": _reviewed_problem,
    "topics": lambda text: _list_problem("topics", text),
    "sources": lambda text: _list_problem("sources", text),
    "order": _order_problem,
    "title": _length_problem("title", 120),
    "summary": _length_problem("summary", 400),
}


def check_fields(source: str, fields: dict[str, tuple[int, str]], problems: list[Problem]) -> None:
    for key, check in FIELD_CHECKS.items():
        if key not in fields:
            continue
        line, value = fields[key]
        reason = check(value)
        if reason is not None:
            problems.append(Problem(source, line, reason))
