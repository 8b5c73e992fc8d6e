"""Flesch-Kincaid reading grade, so a test can hold every guide to grade 8 or below.

Pure and dependency-free. Syllables are counted with the usual vowel-group heuristic (good to
about one syllable in ten words, which moves a grade by a few tenths, not by whole grades).
The text measured is the guide's prose: paragraphs, list items, steps, words to say, questions
and answers, callouts and crisis lead-ins. Headings are left out (they are labels, not
sentences), and so are the deployment's crisis resources (names and numbers, not the guide's
own words). Each block or list item ends a sentence even without a full stop, as a reader
pauses there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from api.domain.guides.format import (
    QA,
    Block,
    BulletList,
    Callout,
    CrisisLines,
    Guide,
    Paragraph,
    Say,
    Steps,
)

MAX_GRADE = 8.0  # what ``waypoint guides check`` and the tests allow

RIGHT_QUOTE = "\u2019"  # typographic apostrophe / closing single quote
WORD = re.compile(rf"[A-Za-z]+(?:['{RIGHT_QUOTE}][A-Za-z]+)*|\d+(?:[.,]\d+)*")
SENTENCE_END = re.compile(rf"[.!?]+(?=[\s\"\u201d{RIGHT_QUOTE})]|$)")
TERMINATED = re.compile(rf"[.!?][\"\u201d{RIGHT_QUOTE})]*$")
SILENT_ENDING = re.compile(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$")
VOWEL_GROUP = re.compile(r"[aeiouy]{1,2}")


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e / es / ed; at least one. Numbers count as one."""
    word = word.casefold().replace(RIGHT_QUOTE, "'").split("'")[0]
    if not word.isalpha():
        return 1
    if len(word) <= 3:
        return 1
    word = SILENT_ENDING.sub("", word).removeprefix("y")
    return max(1, len(VOWEL_GROUP.findall(word)))


def prose(blocks: Iterable[Block]) -> Iterable[str]:
    """The guide's own running text, one unit per paragraph or list item."""
    for block in blocks:
        match block:
            case Paragraph(text=text):
                yield text
            case BulletList(items=items) | Steps(items=items):
                yield from items
            case Say(paragraphs=paragraphs) | Callout(paragraphs=paragraphs):
                yield from paragraphs
            case CrisisLines(paragraphs=paragraphs):
                yield from paragraphs
            case QA(question=question, answer=answer):
                yield question
                yield from answer


def grade(units: Iterable[str]) -> float:
    """0.39 * words per sentence + 11.8 * syllables per word - 15.59 (0.0 for no words)."""
    words = sentences = syllable_count = 0
    for unit in units:
        found = WORD.findall(unit)
        if not found:
            continue
        words += len(found)
        syllable_count += sum(syllables(word) for word in found)
        text = unit.strip()
        # Every full stop, question or exclamation mark ends a sentence; so does the unit's end.
        sentences += len(SENTENCE_END.findall(text)) + (0 if TERMINATED.search(text) else 1)
    if not words:
        return 0.0
    return 0.39 * words / sentences + 11.8 * syllable_count / words - 15.59


def guide_grade(guide: Guide) -> float:
    """The Flesch-Kincaid grade of a guide's prose."""
    return grade(prose(guide.blocks))
