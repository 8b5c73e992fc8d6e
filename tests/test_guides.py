"""Guides: the file format and its validator, the public routes, and full-text search."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import cli
from api.app import create_app
from api.domain.guides.format import DISCLAIMER, GuideError, load_guides, parse_guide
from api.settings import PROJECT_DIR, Settings
from api.store.guide_search import HIT_END, HIT_START, fts_query, snippet_html

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
GUIDES_DIR = PROJECT_DIR / "guides"
EXAMPLES_DIR = Path(__file__).parent / "guide_examples"
FRONT = """---
slug: example
title: {title}
audience: both
summary: An example.
topics: testing
reviewed: 2026-11-15
sources: Spravato prescribing information (2025), NAMI
order: {order}
---

"""


def guide_text(body: str, title: str = "Example", order: int = 5) -> str:
    return FRONT.format(title=title, order=order) + body


def blocks_of(body: str) -> list[dict[str, Any]]:
    guide = parse_guide(guide_text(body), "example.md")
    blocks: list[dict[str, Any]] = msgspec.to_builtins(guide.blocks)
    return blocks


# --- the guides in guides/ ---------------------------------------------------------------------


def test_every_guide_in_the_repository_loads_and_validates() -> None:
    guides = load_guides(GUIDES_DIR)
    files = sorted(path.stem for path in GUIDES_DIR.glob("*.md"))
    assert sorted(guides) == files
    for guide in guides.values():
        assert guide.blocks
        assert guide.reading_minutes >= 1
        assert guide.audience in ("patient", "family", "both")
        assert guide.disclaimer == DISCLAIMER
        text = guide.text()
        # Inline Markdown is flattened: no emphasis markers or link syntax reach the web app.
        for marker in ("**", "](", "<"):
            assert marker not in text, (guide.slug, marker)


def test_the_cli_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.check_guides(Settings(guides_dir=GUIDES_DIR)) == 0
    assert "10 guides" in capsys.readouterr().out


# --- broken guides: one file per kind of mistake, each reported as file:line: reason -----------

EXPECTED = {
    "bad-audience.md": (4, "audience must be patient, family or both"),
    "bad-date.md": (7, "reviewed must be a date written YYYY-MM-DD"),
    "bad-order.md": (9, "order must be a whole number from 1 to 9999"),
    "blockquote.md": (14, "blockquotes are not supported"),
    "code-fence.md": (14, "code blocks are not supported"),
    "code-inline.md": (14, "code (`...`) is not supported"),
    "crisis-with-list.md": (15, "a '::: crisis' block may only hold paragraphs"),
    "container-with-list.md": (15, "a '::: tip' block may only hold paragraphs"),
    "duplicate-key.md": (5, "duplicate key 'audience' (first on line 4)"),
    "duplicate-slug-b.md": (2, "slug 'duplicate-slug-a' is already used by duplicate-slug-a.md"),
    "empty-source.md": (8, "sources must be a comma-separated list with no empty entries"),
    "h1.md": (12, "'# ' headings are not allowed"),
    "horizontal-rule.md": (14, "horizontal rules are not supported"),
    "html-block.md": (14, "HTML is not allowed"),
    "html-inline.md": (14, "HTML is not allowed"),
    "image.md": (14, "images are not supported"),
    "missing-key.md": (1, "missing front-matter key 'reviewed'"),
    "missing-sources.md": (1, "missing front-matter key 'sources'"),
    "nested-list.md": (14, "nested lists are not supported"),
    "no-front-matter.md": (1, "a guide must start with a '---' line"),
    "order-taken.md": (9, "order 8 is already used by duplicate-slug-a.md"),
    "qa-without-answer.md": (14, "'::: qa' needs a question paragraph, then the answer"),
    "relative-link.md": (14, "links must be absolute"),
    "slug-mismatch.md": (2, "slug must match the file name (slug-mismatch)"),
    "table.md": (14, "tables are not supported"),
    "unclosed-container.md": (14, "'::: tip' is not closed"),
    "unknown-container.md": (14, "unknown container '::: warning'"),
    "unknown-key.md": (7, "unknown front-matter key 'author'"),
}


@pytest.fixture(scope="module")
def example_errors() -> list[str]:
    with pytest.raises(GuideError) as caught:
        load_guides(EXAMPLES_DIR)
    return str(caught.value).splitlines()


def test_every_example_file_is_accounted_for(example_errors: list[str]) -> None:
    broken = {path.name for path in EXAMPLES_DIR.glob("*.md")} - {"duplicate-slug-a.md"}
    assert set(EXPECTED) == broken
    assert len(example_errors) == len(EXPECTED)  # exactly one problem per broken file


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_a_broken_guide_is_reported_with_file_line_and_reason(
    example_errors: list[str], name: str, expected: tuple[int, str]
) -> None:
    line, reason = expected
    prefix = f"{EXAMPLES_DIR / name}:{line}: "
    found = [error for error in example_errors if error.startswith(str(EXAMPLES_DIR / name))]
    assert len(found) == 1, found
    assert found[0].startswith(prefix + reason), found[0]


def test_the_cli_check_prints_file_line_and_reason_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.check_guides(Settings(guides_dir=EXAMPLES_DIR)) == 1
    assert f"{EXAMPLES_DIR / 'h1.md'}:12: '# ' headings are not allowed" in capsys.readouterr().err


async def test_a_broken_guide_stops_start_up(tmp_path: Path) -> None:
    guides_dir = tmp_path / "guides"
    guides_dir.mkdir()
    (guides_dir / "h1.md").write_text((EXAMPLES_DIR / "h1.md").read_text())
    app = create_app(Settings(db_path=tmp_path / "db.sqlite3", guides_dir=guides_dir))
    with pytest.raises(ExceptionGroup) as caught:  # the test client's task group wraps it
        async with AsyncTestClient(app=app):
            pass
    assert caught.group_contains(GuideError, match=r"h1\.md:12: '# ' headings are not allowed")


def test_a_missing_guides_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GuideError, match="no such directory"):
        load_guides(tmp_path / "nowhere")


# --- the format --------------------------------------------------------------------------------


def test_every_block_type_becomes_plain_structured_json() -> None:
    body = """Intro with *emphasis*, **strong** and a [link](https://example.org/a).

## A section

### A smaller one

- first
- second with [988lifeline.org](https://988lifeline.org)

1. step one
2. step two

::: say
"What could help today?"

A second line to say.
:::

::: qa
Is it *safe*?

With supervision, yes.

Ask your clinic.
:::

::: tip
A tip.
:::

::: caution
A caution.
:::

::: crisis
If you are not safe, reach out now.
:::
"""
    assert blocks_of(body) == [
        {
            "type": "paragraph",
            "text": "Intro with emphasis, strong and a link (https://example.org/a).",
        },
        {"type": "heading", "level": 2, "text": "A section"},
        {"type": "heading", "level": 3, "text": "A smaller one"},
        {"type": "list", "items": ["first", "second with 988lifeline.org"]},
        {"type": "steps", "items": ["step one", "step two"]},
        {"type": "say", "paragraphs": ['"What could help today?"', "A second line to say."]},
        {
            "type": "qa",
            "question": "Is it safe?",
            "answer": ["With supervision, yes.", "Ask your clinic."],
        },
        {"type": "callout", "tone": "tip", "paragraphs": ["A tip."]},
        {"type": "callout", "tone": "caution", "paragraphs": ["A caution."]},
        # Filled with the deployment's lines when the server starts (tests/test_guide_content.py).
        {"type": "crisis", "paragraphs": ["If you are not safe, reach out now."], "resources": []},
    ]


def test_text_is_never_html_escaped_or_interpreted() -> None:
    # The web app renders with textContent: entities are decoded once, nothing is escaped here.
    assert blocks_of("Tom &amp; Jerry say 5 &lt; 6 & that's fine.\n") == [
        {"type": "paragraph", "text": "Tom & Jerry say 5 < 6 & that's fine."}
    ]


def test_a_title_may_contain_colons() -> None:
    guide = parse_guide(guide_text("Text.\n", title="For family: how to help: part 2"), "x.md")
    assert guide.title == "For family: how to help: part 2"


def test_reading_minutes_are_words_over_200_and_at_least_one() -> None:
    short = parse_guide(guide_text("Just a few words.\n"), "x.md")
    long = parse_guide(guide_text("word " * 500 + "\n"), "x.md")
    assert short.reading_minutes == 1
    assert long.reading_minutes == 2  # 500 / 200 = 2.5, rounded


def test_several_mistakes_in_one_file_are_all_reported() -> None:
    text = guide_text("# Title\n\n::: tips\nx\n:::\n").replace("audience: both", "audience: all")
    with pytest.raises(GuideError) as caught:
        parse_guide(text, "x.md")
    assert [(p.line, p.reason.split(" ")[0]) for p in caught.value.problems] == [
        (4, "audience"),
        (12, "'#"),
        (14, "unknown"),
    ]


def test_an_empty_key_is_reported_once() -> None:
    with pytest.raises(GuideError) as caught:
        parse_guide(guide_text("Text.\n").replace("summary: An example.", "summary:"), "x.md")
    assert str(caught.value) == "x.md:5: 'summary' is empty"


# --- the routes ----------------------------------------------------------------------------------


async def test_list_filters_by_audience_and_topic(client: Client) -> None:
    everything = (await client.get("/api/guides")).json()
    assert len(everything) == 10
    assert set(everything[0]) == {
        "slug", "order", "title", "audience", "summary", "topics", "reviewed", "reading_minutes",
    }  # fmt: skip
    family = (await client.get("/api/guides", params={"audience": "family"})).json()
    patient = (await client.get("/api/guides", params={"audience": "patient"})).json()
    assert {g["audience"] for g in family} == {"family", "both"}
    assert {g["audience"] for g in patient} == {"patient", "both"}
    assert "for-family-how-to-help" in {g["slug"] for g in family}
    assert "for-family-how-to-help" not in {g["slug"] for g in patient}
    driving = (await client.get("/api/guides", params={"topic": "Driving"})).json()
    assert [g["slug"] for g in driving] == [  # in journey order
        "talking-to-family",
        "session-and-after",
        "for-family-how-to-help",
    ]
    bad = await client.get("/api/guides", params={"audience": "clinician"})
    assert bad.status_code == 400


async def test_one_guide_has_blocks_and_the_disclaimer(client: Client) -> None:
    response = await client.get("/api/guides/session-and-after")
    assert response.status_code == 200
    guide = response.json()
    assert guide["title"] == "A session and the hours after"
    assert guide["disclaimer"].startswith("This guide is general information, not medical advice.")
    assert "talk to your care team" in guide["disclaimer"]
    assert {block["type"] for block in guide["blocks"]} >= {"heading", "list", "steps", "say"}
    assert response.headers["cache-control"] == "max-age=300, public"


async def test_an_unknown_guide_is_404_and_not_cached(client: Client) -> None:
    response = await client.get("/api/guides/no-such-guide")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"


async def test_guides_need_no_session(client: Client) -> None:
    assert not client.cookies
    assert (await client.get("/api/guides/search", params={"q": "dizziness"})).status_code == 200


# --- search --------------------------------------------------------------------------------------


async def search(client: Client, q: str) -> list[dict[str, str]]:
    response = await client.get("/api/guides/search", params={"q": q})
    assert response.status_code == 200, response.text
    results: list[dict[str, str]] = response.json()
    return results


async def test_search_finds_driving_in_the_session_guide(client: Client) -> None:
    results = await search(client, "driving")
    assert "session-and-after" in [r["slug"] for r in results]
    hit = next(r for r in results if r["slug"] == "session-and-after")
    assert "<mark>driving</mark>" in hit["snippet"].lower() or "<mark>drive" in hit["snippet"]


async def test_title_hits_come_first(client: Client) -> None:
    results = await search(client, "family")
    in_title = [bool(re.search(r"\bfamily\b", r["title"], re.IGNORECASE)) for r in results]
    assert in_title.count(True) >= 2
    assert in_title.count(False) >= 1  # the test can tell
    assert in_title == sorted(in_title, reverse=True)


async def test_a_title_hit_beats_many_body_hits(tmp_path: Path) -> None:
    # Unweighted bm25 would put "in-body" first (its body says "nausea" eight times).
    guides_dir = tmp_path / "guides"
    guides_dir.mkdir()
    bodies = {
        "in-title": ("Nausea after a session", "Some people feel a little sick for a while."),
        "in-body": ("Other things", "Nausea is common. " * 8),
        **{f"filler-{n}": ("Filler", "Nothing relevant here at all today.") for n in range(4)},
    }
    for order, (slug, (title, body)) in enumerate(bodies.items(), start=1):
        text = guide_text(body + "\n", title, order).replace("slug: example", f"slug: {slug}")
        (guides_dir / f"{slug}.md").write_text(text)
    app = create_app(Settings(db_path=tmp_path / "db.sqlite3", guides_dir=guides_dir))
    async with AsyncTestClient(app=app) as client:
        results = await search(client, "nausea")
    assert [r["slug"] for r in results] == ["in-title", "in-body"]


async def test_the_last_word_matches_as_a_prefix(client: Client) -> None:
    assert "session-and-after" in [r["slug"] for r in await search(client, "dissoc")]


async def test_all_words_must_match(client: Client) -> None:
    assert await search(client, "dizziness zzzunknownword") == []


async def test_snippets_escape_everything_but_the_marks(tmp_path: Path) -> None:
    guides_dir = tmp_path / "guides"
    guides_dir.mkdir()
    body = "Never &lt;script&gt;alert(1)&lt;/script&gt; &amp; the clinic's phone is 5 &lt; 6.\n"
    (guides_dir / "tricky.md").write_text(guide_text(body).replace("example", "tricky"))
    app = create_app(Settings(db_path=tmp_path / "db.sqlite3", guides_dir=guides_dir))
    async with AsyncTestClient(app=app) as client:
        (result,) = await search(client, "clinic")
    snippet = result["snippet"]
    assert "<mark>clinic" in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp;" in snippet
    assert "&#x27;" in snippet
    assert "<" not in re.sub(r"</?mark>", "", snippet)


def test_snippet_markers_become_marks_and_nothing_else() -> None:
    raw = f"a <b> {HIT_START}hit{HIT_END} & more"
    assert snippet_html(raw) == "a &lt;b&gt; <mark>hit</mark> &amp; more"


HOSTILE = [
    "",
    " ",
    '"',
    '""',
    '"unbalanced',
    "*",
    "**",
    "driv*",
    "NEAR",
    "NEAR(driving clinic)",
    "driving NEAR/2 clinic",
    "AND",
    "driving AND",
    "AND OR NOT",
    "NOT driving",
    "(",
    ")",
    "((driving",
    "driving)",
    "{title body}: driving",
    "title:driving",
    "slug:session",
    "-driving",
    "^driving",
    "+",
    "driving OR",
    '"driving"*',
    "😀",
    "🚗 driving",
    "ｄｒｉｖｉｎｇ",
    "\x00",
    "a\x00b",
    "\\",
    "%",
    "'; DROP TABLE guide_search; --",
    "a" * 200,
    "a " * 100,
    "é" * 200,
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_queries_answer_normally(client: Client, q: str) -> None:
    response = await client.get("/api/guides/search", params={"q": q})
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("q", ["x" * 201, "driving " * 150, "é" * 1000])
async def test_queries_over_200_characters_are_refused(client: Client, q: str) -> None:
    response = await client.get("/api/guides/search", params={"q": q})
    assert response.status_code == 400


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C0%AF", "%"])
async def test_undecodable_queries_never_500(client: Client, raw: str) -> None:
    response = await client.get(f"/api/guides/search?q={raw}")
    assert response.status_code < 500


async def test_search_still_works_after_hostile_input(client: Client) -> None:
    for q in HOSTILE:
        await client.get(f"/api/guides/search?q={quote(q)}")
    assert await search(client, "driving")


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE guide_search USING fts5 "
        "(slug UNINDEXED, title, body, tokenize = 'porter unicode61')"
    )
    conn.execute("INSERT INTO guide_search VALUES ('a', 'Driving home', 'after a session')")
    return conn


@hypothesis_settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=200))
def test_any_text_makes_a_valid_fts5_query(fts: sqlite3.Connection, text: str) -> None:
    query = fts_query(text)
    if query is not None:
        fts.execute("SELECT slug FROM guide_search WHERE guide_search MATCH ?", (query,)).fetchall()


def test_queries_are_quoted_terms_with_a_prefix_on_the_last() -> None:
    assert fts_query('say "hi" NEAR') == '"say" """hi""" "NEAR"*'
    assert fts_query("* ( ) 😀") is None


async def test_the_index_is_rebuilt_not_duplicated_at_each_start(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "db.sqlite3", guides_dir=GUIDES_DIR)
    for _ in range(2):
        async with AsyncTestClient(app=create_app(settings)) as client:
            results = await search(client, "driving")
    slugs = [r["slug"] for r in results]
    assert len(slugs) == len(set(slugs))
