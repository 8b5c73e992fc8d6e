"""The guide file format: parse and validate (pure: text in, ``Guide`` or ``GuideError`` out).

A guide is front matter (eight ``key: value`` lines between ``---`` lines) and a CommonMark body.
The body becomes a flat list of blocks the web app renders as plain text (``textContent``), so
inline markup is flattened here, and anything the format does not know (a table, HTML, an image,
a nested list, ...) is refused with ``file:line: reason`` instead of being shown half-right.
The README's "Writing guides" section is the format's reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

import msgspec
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.container import container_plugin

from api.domain.crisis import Resource
from api.domain.guides.front_matter import Problem, check_fields, read_front_matter

Audience = Literal["patient", "family", "both"]
DISCLAIMER = (
    "This guide is general information, not medical advice. It cannot take your circumstances "
    "into account: if you have questions about your treatment or your health, talk to your "
    "care team."
)
WORDS_PER_MINUTE = 200
CLOSING_MARKER = re.compile(r"^ {0,3}:{3,}\s*$")
LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")
CALLOUT_TONES = ("tip", "caution")
UNSUPPORTED = {
    "blockquote": "blockquotes are not supported; use '::: say' for words to say or '::: tip'",
    "fence": "code blocks are not supported",
    "code_block": "code blocks are not supported (a line indented by 4 spaces is code in Markdown)",
    "html_block": "HTML is not allowed",
    "table": "tables are not supported; use a list",
    "hr": "horizontal rules are not supported; start a new section with '## '",
}


# --- the blocks a guide is made of (JSON: {"type": ..., ...}) --------------------------------


class Heading(msgspec.Struct, frozen=True, tag_field="type", tag="heading"):
    level: int
    text: str


class Paragraph(msgspec.Struct, frozen=True, tag_field="type", tag="paragraph"):
    text: str


class BulletList(msgspec.Struct, frozen=True, tag_field="type", tag="list"):
    items: list[str]


class Steps(msgspec.Struct, frozen=True, tag_field="type", tag="steps"):
    items: list[str]


class Say(msgspec.Struct, frozen=True, tag_field="type", tag="say"):
    """Words the reader could say, as they could say them."""

    paragraphs: list[str]


class QA(msgspec.Struct, frozen=True, tag_field="type", tag="qa"):
    question: str
    answer: list[str]


class Callout(msgspec.Struct, frozen=True, tag_field="type", tag="callout"):
    tone: Literal["tip", "caution"]
    paragraphs: list[str]


class CrisisLines(msgspec.Struct, frozen=True, tag_field="type", tag="crisis"):
    """The guide's own lead-in, then the deployment's crisis resources.

    Guides never write a phone number: ``resources`` is empty in the file and filled from
    ``crisis_file`` when the server starts (``api.domain.guides.crisis_lines``), so a clinic outside
    the US shows its own lines in every guide.
    """

    paragraphs: list[str]
    resources: list[Resource] = []


Block = Heading | Paragraph | BulletList | Steps | Say | QA | Callout | CrisisLines


class GuideSummary(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    order: int  # the place in a newcomer's journey; the list is sorted by it
    title: str
    audience: Audience
    summary: str
    topics: list[str]
    reviewed: date
    reading_minutes: int


class Guide(GuideSummary, frozen=True, kw_only=True):
    blocks: list[Block]
    sources: list[str]  # named references the facts were checked against
    disclaimer: str = DISCLAIMER

    def summarise(self) -> GuideSummary:
        return GuideSummary(
            slug=self.slug,
            order=self.order,
            title=self.title,
            audience=self.audience,
            summary=self.summary,
            topics=self.topics,
            reviewed=self.reviewed,
            reading_minutes=self.reading_minutes,
        )

    def text(self) -> str:
        """The body as plain text, one block per line (for the search index)."""
        return "\n".join(block_texts(self.blocks))


def block_texts(blocks: Iterable[Block]) -> Iterable[str]:
    for block in blocks:
        match block:
            case Heading(text=text) | Paragraph(text=text):
                yield text
            case BulletList(items=items) | Steps(items=items):
                yield from items
            case Say(paragraphs=paragraphs) | Callout(paragraphs=paragraphs):
                yield from paragraphs
            case CrisisLines(paragraphs=paragraphs, resources=resources):
                yield from paragraphs
                yield from (f"{each.name}: {each.contact}" for each in resources)
            case QA(question=question, answer=answer):
                yield question
                yield from answer


# --- parsing and validation (pure: text in, Guide or GuideError out) ------------------------


class GuideError(Exception):
    """One or more problems, each printed as ``file:line: reason`` on its own line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def _markdown() -> MarkdownIt:
    # html=True and the table rule make HTML and tables visible as tokens, so they can be refused
    # with a line number instead of slipping through as literal text.
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    # One container rule that accepts any name; the name is checked afterwards so that a typo
    # ("::: tips") is an error rather than a paragraph of colons.
    md.use(container_plugin, name="box", validate=lambda _params, _markup: True)
    return md


MARKDOWN = _markdown()


class _Body:
    """Turns the syntax tree of a guide body into blocks, collecting problems as it goes."""

    def __init__(self, source: str, first_line: int, lines: list[str]) -> None:
        self.source = source
        self.first_line = first_line  # the file's line number of the body's first line
        self.lines = lines
        self.problems: list[Problem] = []

    def fail(self, node: SyntaxTreeNode, reason: str, extra_lines: int = 0) -> None:
        start = node.map[0] if node.map else 0
        self.problems.append(Problem(self.source, self.first_line + start + extra_lines, reason))

    def blocks(self, root: SyntaxTreeNode) -> list[Block]:
        out: list[Block] = []
        for node in root.children:
            block = self.block(node)
            if block is not None:
                out.append(block)
        return out

    def block(self, node: SyntaxTreeNode) -> Block | None:
        match node.type:
            case "heading":
                if node.tag == "h1":
                    self.fail(
                        node,
                        "'# ' headings are not allowed (the title comes from the "
                        "front matter); start sections with '## '",
                    )
                    return None
                return Heading(level=int(node.tag[1:]), text=self.inline(node.children[0]))
            case "paragraph":
                return Paragraph(text=self.inline(node.children[0]))
            case "bullet_list":
                return BulletList(items=self.items(node))
            case "ordered_list":
                return Steps(items=self.items(node))
            case "container_box":
                return self.container(node)
        self.fail(node, UNSUPPORTED.get(node.type, f"unsupported Markdown ({node.type})"))
        return None

    def items(self, node: SyntaxTreeNode) -> list[str]:
        items = []
        for item in node.children:
            kinds = [child.type for child in item.children]
            if kinds == ["paragraph"]:
                items.append(self.inline(item.children[0].children[0]))
            elif not kinds:
                self.fail(item, "empty list item")
            elif "bullet_list" in kinds or "ordered_list" in kinds:
                self.fail(item, "nested lists are not supported")
            else:
                self.fail(item, "a list item must be a single paragraph of text")
        return items

    def container(self, node: SyntaxTreeNode) -> Block | None:
        name, _, rest = node.info.strip().partition(" ")
        end = node.map[1] if node.map else len(self.lines)
        if end >= len(self.lines) or not CLOSING_MARKER.match(self.lines[end]):
            self.fail(node, f"'::: {name}' is not closed: end it with a line ':::'")
            return None
        if name not in ("say", "qa", "crisis", *CALLOUT_TONES):
            shown = f"'::: {name}'" if name else "a ':::' line with no name (or a stray ':::')"
            self.fail(node, f"unknown container {shown}; use say, qa, tip, caution or crisis")
            return None
        if rest.strip():
            self.fail(node, f"unexpected text after '::: {name}'")
            return None
        paragraphs = []
        for child in node.children:
            if child.type == "paragraph":
                paragraphs.append(self.inline(child.children[0]))
            else:
                self.fail(child, f"a '::: {name}' block may only hold paragraphs")
                return None
        if name == "qa":
            if len(paragraphs) < 2:
                self.fail(node, "'::: qa' needs a question paragraph, then the answer")
                return None
            return QA(question=paragraphs[0], answer=paragraphs[1:])
        if name == "crisis":  # may be empty: the deployment's lines are the point
            return CrisisLines(paragraphs=paragraphs)
        if not paragraphs:
            self.fail(node, f"'::: {name}' is empty")
            return None
        if name == "say":
            return Say(paragraphs=paragraphs)
        return Callout(tone="tip" if name == "tip" else "caution", paragraphs=paragraphs)

    def inline(self, node: SyntaxTreeNode) -> str:
        """Plain text of an inline node: emphasis dropped, link text kept (URL in parentheses)."""
        parts: list[str] = []
        breaks = 0

        def walk(children: list[SyntaxTreeNode]) -> None:
            nonlocal breaks
            for child in children:
                match child.type:
                    case "text":
                        parts.append(child.content)
                    case "softbreak":
                        parts.append(" ")
                        breaks += 1
                    case "hardbreak":
                        parts.append("\n")
                        breaks += 1
                    case "em" | "strong":
                        walk(child.children)
                    case "link":
                        start = len(parts)
                        walk(child.children)
                        self.link(node, child, "".join(parts[start:]), parts, breaks)
                    case "html_inline":
                        self.fail(node, "HTML is not allowed", breaks)
                    case "image":
                        self.fail(node, "images are not supported", breaks)
                    case "code_inline":
                        self.fail(node, "code (`...`) is not supported", breaks)
                    case other:
                        self.fail(node, f"unsupported Markdown ({other})", breaks)

        walk(node.children)
        text = "".join(parts).strip()
        if not text:
            self.fail(node, "empty text")
        return text

    def link(
        self, node: SyntaxTreeNode, link: SyntaxTreeNode, text: str, parts: list[str], breaks: int
    ) -> None:
        href = str(link.attrs.get("href", ""))
        if not href.startswith(LINK_SCHEMES):
            self.fail(node, "links must be absolute (https://, mailto: or tel:)", breaks)
            return
        bare = href.split(":", 1)[1].removeprefix("//").rstrip("/")
        if text.strip() not in (href, bare):
            parts.append(f" ({href})")


def parse_guide(text: str, source: str) -> Guide:
    """Parse one guide file's text; ``source`` names it in errors. Raises GuideError."""
    return _parse(text, source)[0]


def _parse(text: str, source: str) -> tuple[Guide, dict[str, int]]:
    """The guide and the line of each front-matter key."""
    lines = text.removeprefix("\ufeff").splitlines()
    problems: list[Problem] = []
    fields, body_start = read_front_matter(source, lines, problems)
    check_fields(source, fields, problems)
    body_lines = lines[body_start:]
    body = _Body(source, body_start + 1, body_lines)
    blocks = body.blocks(SyntaxTreeNode(MARKDOWN.parse("\n".join(body_lines))))
    problems.extend(body.problems)
    if not blocks and not body.problems:
        problems.append(Problem(source, body_start + 1, "the guide has no body"))
    if problems:
        # One report per place and reason (an HTML tag's opening and closing are one mistake).
        unique = sorted(dict.fromkeys(problems), key=lambda problem: problem.line or 0)
        raise GuideError(unique)
    words = sum(len(text.split()) for text in block_texts(blocks))
    value = {key: found[1] for key, found in fields.items()}
    guide = Guide(
        slug=value["slug"],
        title=value["title"],
        audience=value["audience"],  # type: ignore[arg-type]  # checked by check_fields
        summary=value["summary"],
        topics=[topic.strip() for topic in value["topics"].split(",")],
        reviewed=date.fromisoformat(value["reviewed"]),
        reading_minutes=max(1, round(words / WORDS_PER_MINUTE)),
        order=int(value["order"]),
        sources=[source.strip() for source in value["sources"].split(",")],
        blocks=blocks,
    )
    return guide, {key: found[0] for key, found in fields.items()}


def load_guides(directory: Path) -> dict[str, Guide]:
    """Every ``*.md`` file in ``directory``, by slug, in ``order`` (a newcomer's journey).

    Raises GuideError listing every problem in every file, so that one run of
    ``waypoint guides check`` shows them all.
    """
    if not directory.is_dir():
        raise GuideError([Problem(str(directory), None, "no such directory")])
    guides: dict[str, Guide] = {}
    files: dict[str, str] = {}
    orders: dict[int, str] = {}  # two guides in one place would make the list's order arbitrary
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.md")):
        source = str(path)
        try:
            guide, lines = _parse(path.read_text(encoding="utf-8"), source)
        except UnicodeDecodeError:
            problems.append(Problem(source, None, "not UTF-8 text"))
            continue
        except GuideError as exc:
            problems.extend(exc.problems)
            continue
        if guide.slug in files:
            used = f"slug {guide.slug!r} is already used by {files[guide.slug]}"
            problems.append(Problem(source, lines["slug"], used))
        elif guide.slug != path.stem:
            reason = f"slug must match the file name ({path.stem})"
            problems.append(Problem(source, lines["slug"], reason))
        elif guide.order in orders:
            used = f"order {guide.order} is already used by {orders[guide.order]}"
            problems.append(Problem(source, lines["order"], used))
        else:
            guides[guide.slug] = guide
            orders[guide.order] = path.name
        files.setdefault(guide.slug, path.name)
    if problems:
        raise GuideError(problems)
    return dict(sorted(guides.items(), key=lambda item: item[1].order))


Library = dict[str, Guide]  # the loaded guides by slug, as handlers receive them
