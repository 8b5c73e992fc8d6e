"""The guides' content: sources, reading grade, journey order, and crisis lines that come from the
deployment (``crisis_file``), never from a guide file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from api import cli
from api.app import create_app
from api.domain.crisis import DEFAULT
from api.domain.guides.format import CrisisLines, Paragraph, load_guides, parse_guide
from api.domain.guides.front_matter import FRONT_MATTER_KEYS
from api.domain.guides.readability import MAX_GRADE, grade, guide_grade, prose, syllables
from api.settings import PROJECT_DIR, Settings
from tests.helpers import register

GUIDES_DIR = PROJECT_DIR / "guides"
GUIDE_FILES = sorted(GUIDES_DIR.glob("*.md"))
# A newcomer's journey: choosing and telling family, before the first session, the session,
# aftercare, progress, when it fades; then the family guides together.
JOURNEY = [
    "ketamine-or-esketamine",
    "talking-to-family",
    "before-your-first-session",
    "medicines-and-safety",
    "session-and-after",
    "aftercare-and-maintenance",
    "how-progress-is-tracked",
    "when-the-lift-fades",
    "for-family-how-to-help",
    "a-family-safety-plan",
]
# Crisis and emergency numbers of many countries, and the 988 web address: none belongs in a
# guide, because the deployment decides which lines to show.
CRISIS_NUMBER = re.compile(
    r"(?<!\d)(988|911|112|999|000|111|119|110|741741|116 ?123|13 ?11 ?14|1-?800-?273-?8255)(?!\d)"
    r"|988lifeline|tel:|sms:",
    re.IGNORECASE,
)
ELSEWHERE = {
    "message": "Reach out now.",
    "not_monitored": "Nobody watches this journal.",
    "resources": [
        {"name": "Samaritans", "kind": "call", "contact": "116 123", "url": "tel:116123"},
        {"name": "Emergency services", "kind": "emergency", "contact": "112"},
    ],
}
FRONT = """---
slug: example
title: Example
audience: both
summary: An example.
topics: testing
reviewed: 2026-11-15
sources: Spravato prescribing information (Janssen 2025), SAMHSA , NAMI
order: 5
---

"""


def crisis_blocks(guide: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in guide["blocks"] if block["type"] == "crisis"]


# --- readability (pure) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "count"),
    [("the", 1), ("cat", 1), ("session", 2), ("simple", 2), ("family", 3), ("depression", 3),
     ("esketamine", 4), ("hours", 1), ("noticed", 2), ("PHQ", 1), ("20", 1)],
)  # fmt: skip
def test_syllables_are_counted_by_vowel_groups(word: str, count: int) -> None:
    assert syllables(word) == count


def test_grade_of_a_known_sentence() -> None:
    # 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59
    assert grade(["The cat sat on the mat."]) == pytest.approx(-1.45)
    # each unit ends a sentence even without a full stop: 2 sentences of 3 words, 3 syllables each
    assert grade(["The cat sat", "On the mat"]) == pytest.approx(0.39 * 3 + 11.8 - 15.59)
    assert grade([]) == 0.0


def test_dense_prose_grades_above_eight() -> None:
    dense = (
        "Esketamine administration necessitates comprehensive cardiovascular monitoring, "
        "particularly regarding hypertensive complications and dissociative phenomena."
    )
    assert grade([dense]) > MAX_GRADE  # the per-guide test below can fail


def test_prose_leaves_out_headings_and_the_deployment_lines() -> None:
    guide = parse_guide(FRONT + "## A heading\n\nShort text.\n\n::: crisis\nCall.\n:::\n", "x.md")
    assert list(prose(guide.blocks)) == ["Short text.", "Call."]


# --- every guide in guides/ ---------------------------------------------------------------------


@pytest.mark.parametrize("path", GUIDE_FILES, ids=lambda path: path.stem)
def test_reading_grade_is_at_most_eight(path: Path) -> None:
    guide = parse_guide(path.read_text(encoding="utf-8"), str(path))
    assert guide_grade(guide) <= MAX_GRADE == 8.0


def test_the_cli_check_refuses_a_guide_above_grade_eight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dense = (
        "Esketamine administration necessitates comprehensive cardiovascular monitoring, "
        "particularly regarding hypertensive complications and dissociative phenomena.\n"
    )
    (tmp_path / "example.md").write_text(FRONT + dense)
    assert cli.check_guides(Settings(guides_dir=tmp_path)) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"{tmp_path / 'example.md'}: reading grade ")
    assert "is above 8.0" in error
    (tmp_path / "example.md").write_text(FRONT + "Rest at home. Drink water.\n")
    assert cli.check_guides(Settings(guides_dir=tmp_path)) == 0


@pytest.mark.parametrize("path", GUIDE_FILES, ids=lambda path: path.stem)
def test_no_guide_hard_codes_a_crisis_number(path: Path) -> None:
    found = CRISIS_NUMBER.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: write a '::: crisis' block instead of {found}"


def test_the_number_check_would_catch_one() -> None:
    for text in ("call or text 988", "call 911", "ring 999", "Samaritans on 116 123", "tel:112"):
        assert CRISIS_NUMBER.search(text), text
    assert not CRISIS_NUMBER.search("a PHQ-9 of 20, 2 hours, weeks 1 to 4, 14 days, 30 minutes")


@pytest.mark.parametrize("path", GUIDE_FILES, ids=lambda path: path.stem)
def test_a_guide_that_mentions_crisis_lines_shows_them(path: Path) -> None:
    guide = parse_guide(path.read_text(encoding="utf-8"), str(path))
    if "crisis line" in guide.text().casefold():
        assert any(isinstance(block, CrisisLines) for block in guide.blocks), path.name


@pytest.mark.parametrize("path", GUIDE_FILES, ids=lambda path: path.stem)
def test_every_guide_names_its_sources_and_gives_words_to_say(path: Path) -> None:
    guide = parse_guide(path.read_text(encoding="utf-8"), str(path))
    assert guide.sources
    assert all(source.strip() == source and source for source in guide.sources)
    blocks = msgspec.to_builtins(guide.blocks)
    assert any(block["type"] in ("say", "steps") for block in blocks), path.name


def test_the_guides_are_in_journey_order_with_family_guides_together() -> None:
    guides = load_guides(GUIDES_DIR)
    assert list(guides) == JOURNEY
    family = [index for index, guide in enumerate(guides.values()) if guide.audience == "family"]
    assert family == list(range(family[0], family[0] + len(family)))


def test_sources_are_a_trimmed_list() -> None:
    guide = parse_guide(FRONT + "Text.\n", "x.md")
    assert guide.sources == ["Spravato prescribing information (Janssen 2025)", "SAMHSA", "NAMI"]
    assert guide.order == 5
    assert guide.blocks == [Paragraph(text="Text.")]


# --- served: sources, order and the deployment's crisis lines ----------------------------------


async def served(tmp_path: Path, crisis_file: str, *paths: str) -> list[Any]:
    settings = Settings(
        db_path=tmp_path / "db.sqlite3", guides_dir=GUIDES_DIR, crisis_file=crisis_file
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        bodies = []
        for path in paths:
            response = await client.get(path)
            assert response.status_code == 200, response.text
            bodies.append(response.json())
        return bodies


async def test_the_list_and_each_guide_carry_order_and_sources(tmp_path: Path) -> None:
    listed, guide = await served(tmp_path, "", "/api/guides", "/api/guides/medicines-and-safety")
    assert [each["slug"] for each in listed] == JOURNEY
    assert [each["order"] for each in listed] == sorted(each["order"] for each in listed)
    text = (GUIDES_DIR / "medicines-and-safety.md").read_text()
    line = next(line for line in text.splitlines() if line.startswith("sources:"))
    assert guide["sources"] == [part.strip() for part in line.removeprefix("sources:").split(",")]
    assert "Spravato prescribing information (Janssen 2025)" in guide["sources"]


async def test_a_guide_shows_the_default_crisis_lines(tmp_path: Path) -> None:
    (guide,) = await served(tmp_path, "", "/api/guides/session-and-after")
    (block,) = crisis_blocks(guide)
    assert block["paragraphs"]  # the guide's own lead-in
    assert block["resources"] == msgspec.to_builtins(DEFAULT.resources)


async def test_changing_crisis_file_changes_the_lines_in_every_guide(tmp_path: Path) -> None:
    crisis_file = tmp_path / "crisis.json"
    crisis_file.write_text(json.dumps(ELSEWHERE))
    everything = await served(
        tmp_path, str(crisis_file), *(f"/api/guides/{slug}" for slug in JOURNEY)
    )
    filled = [block for guide in everything for block in crisis_blocks(guide)]
    assert len(filled) >= 6  # most guides point to crisis lines somewhere
    for block in filled:
        assert [each["contact"] for each in block["resources"]] == ["116 123", "112"]
        assert "988" not in json.dumps(block)


async def test_search_finds_the_deployment_lines(tmp_path: Path) -> None:
    crisis_file = tmp_path / "crisis.json"
    crisis_file.write_text(json.dumps(ELSEWHERE))
    (hits,) = await served(tmp_path, str(crisis_file), "/api/guides/search?q=samaritans")
    assert "a-family-safety-plan" in {hit["slug"] for hit in hits}


async def test_a_family_link_shows_the_deployment_lines(tmp_path: Path) -> None:
    crisis_file = tmp_path / "crisis.json"
    crisis_file.write_text(json.dumps(ELSEWHERE))
    settings = Settings(
        db_path=tmp_path / "db.sqlite3", guides_dir=GUIDES_DIR, crisis_file=str(crisis_file)
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client)
        share = {"audience": "family", "guides": ["a-family-safety-plan"]}
        created = await client.post("/api/shares", json=share)
        assert created.status_code == 201, created.text
        token = created.json()["url"].split("#", 1)[1]
        client.cookies.clear()
        view = await client.get("/api/shared", headers={"Authorization": f"Share {token}"})
        assert view.status_code == 200, view.text
    (guide,) = view.json()["guides"]
    assert guide["sources"]
    (block,) = crisis_blocks(guide)
    assert [each["name"] for each in block["resources"]] == ["Samaritans", "Emergency services"]


# --- the README's reference stays true ----------------------------------------------------------


def test_the_readme_example_guide_is_valid_and_its_table_lists_every_key() -> None:
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    example = readme.split("```markdown\n", 1)[1].split("```", 1)[0]
    guide = parse_guide(example, "README.md")
    assert guide.sources
    assert guide.order == 65
    assert any(isinstance(block, CrisisLines) for block in guide.blocks)
    section = readme.split("## Guides\n", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE)
    assert tuple(documented) == FRONT_MATTER_KEYS
