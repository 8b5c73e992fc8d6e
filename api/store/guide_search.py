"""Full-text search over the guides (SQLite FTS5 table ``guide_search``, rebuilt at start-up).

Whatever a person types is turned into quoted FTS5 strings before it reaches MATCH, so no input
(quotes, ``*``, ``NEAR``, ``AND``, brackets, emoji, ...) can be read as query syntax. Snippets
mark hits with two control characters that never occur in indexed text, HTML-escape everything,
then turn the markers into ``<mark>`` tags: the only markup in a snippet is ours.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterable

import msgspec

from api.domain.guides.format import Guide, Library
from api.store.db import Database, is_postgres

MAX_TERMS = 16
MAX_RESULTS = 20
SNIPPET_WORDS = 16
HIT_START, HIT_END = "\x02", "\x03"
# bm25 weights per column (slug, title, body): a hit in a title outweighs any number in bodies.
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
NOT_INDEXED = str.maketrans("", "", HIT_START + HIT_END)


class SearchResult(msgspec.Struct, frozen=True):
    slug: str
    title: str
    snippet: str  # HTML: escaped text with <mark>...</mark> around the hits


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: every word a quoted string (all words must match), the last one a
    prefix, so that results appear while someone is still typing. None when nothing is left.
    """
    # Control characters (NUL ends an FTS5 string), lone surrogates etc. become spaces.
    printable = "".join(char if char.isprintable() else " " for char in text)
    words = [word for word in printable.split() if any(char.isalnum() for char in word)]
    if not words:
        return None
    quoted = ['"' + word.replace('"', '""') + '"' for word in words[:MAX_TERMS]]
    return " ".join(quoted) + "*"


def index_guides(conn: sqlite3.Connection, guides: Iterable[Guide]) -> None:
    """Replace the index with these guides (title; summary and body text)."""
    if is_postgres(conn):
        # Several processes start at once: the second waits for the first to commit, then its
        # DELETE sees (and replaces) those rows instead of adding a second copy of each.
        conn.execute("LOCK TABLE guide_search IN EXCLUSIVE MODE")
    conn.execute("DELETE FROM guide_search")
    conn.executemany(
        "INSERT INTO guide_search (slug, title, body) VALUES (?, ?, ?)",
        [
            (
                guide.slug,
                guide.title.translate(NOT_INDEXED),
                f"{guide.summary}\n{guide.text()}".translate(NOT_INDEXED),
            )
            for guide in guides
        ],
    )


def _matches(conn: sqlite3.Connection, query: str) -> list[tuple[str, str, str]]:
    # Title hits first (a hit is marked in the highlighted title), then bm25 with titles weighted.
    rows: list[tuple[str, str, str]] = conn.execute(
        "SELECT slug, title, snippet(guide_search, 2, :start, :end, '…', :words) "
        "FROM guide_search WHERE guide_search MATCH :query "
        "ORDER BY instr(highlight(guide_search, 1, :start, :end), :start) > 0 DESC, "
        "bm25(guide_search, 0.0, :title, :body) LIMIT :limit",
        {
            "start": HIT_START,
            "end": HIT_END,
            "words": SNIPPET_WORDS,
            "query": query,
            "title": TITLE_WEIGHT,
            "body": BODY_WEIGHT,
            "limit": MAX_RESULTS,
        },
    ).fetchall()
    return rows


def pg_query(text: str) -> tuple[str, str] | None:
    """PostgreSQL's version of ``fts_query``: the words for ``plainto_tsquery`` (which reads no
    syntax at all) and the last word, letters and digits only, as a prefix; None when empty."""
    printable = "".join(char if char.isprintable() else " " for char in text)
    words = [word for word in printable.split() if any(char.isalnum() for char in word)]
    if not words:
        return None
    words = words[:MAX_TERMS]
    prefix = "".join(char for char in words[-1] if char.isalnum())
    return " ".join(words[:-1]), prefix


def _pg_matches(conn: sqlite3.Connection, words: str, prefix: str) -> list[tuple[str, str, str]]:
    # Title hits first, then ts_rank with titles weighted A (1.0) and bodies D (0.1): the same
    # order as the FTS5 query. The prefix lexeme is alphanumeric, so it is no tsquery syntax.
    rows: list[tuple[str, str, str]] = conn.execute(
        "WITH q AS (SELECT plainto_tsquery('english', :words) && "
        "to_tsquery('english', :prefix || ':*') AS query) "
        "SELECT slug, title, ts_headline('english', body, q.query, :options) "
        "FROM guide_search, q WHERE document @@ q.query "
        "ORDER BY to_tsvector('english', title) @@ q.query DESC, "
        "ts_rank(document, q.query) DESC, slug LIMIT :limit",
        {
            "words": words,
            "prefix": prefix,
            "options": f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords={SNIPPET_WORDS}, "
            "MinWords=6, MaxFragments=1, FragmentDelimiter=…",
            "limit": MAX_RESULTS,
        },
    ).fetchall()
    return rows


def _search(conn: sqlite3.Connection, text: str) -> list[tuple[str, str, str]]:
    if is_postgres(conn):
        parts = pg_query(text)
        return [] if parts is None else _pg_matches(conn, *parts)
    query = fts_query(text)
    return [] if query is None else _matches(conn, query)


def snippet_html(snippet: str) -> str:
    escaped = html.escape(snippet, quote=True)
    return escaped.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")


async def search(db: Database, text: str) -> list[SearchResult]:
    rows = await db.read(_search, text)
    return [SearchResult(slug, title, snippet_html(snippet)) for slug, title, snippet in rows]


async def index_library(db: Database, library: Library) -> None:
    """Index the loaded guides for search (at start-up)."""
    await db.write(index_guides, list(library.values()))
