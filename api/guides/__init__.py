"""Guides: Markdown files in ``guides/``, validated and parsed at start-up, served as JSON blocks.

- ``format``: the file format (parse, validate, blocks) — pure, and what ``waypoint guides check``
  runs;
- ``front_matter``: the ``key: value`` header and its checks;
- ``crisis_lines``: fills each ``::: crisis`` block with the deployment's crisis resources;
- ``readability``: the Flesch-Kincaid grade a test holds every guide to;
- ``search``: the FTS5 index (rebuilt at every start) and safe queries;
- here: the public routes. Guides are public content: no session, briefly cacheable.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.crisis import Crisis
from api.db import Database
from api.errors import not_found
from api.guides.crisis_lines import fill_crisis_lines
from api.guides.format import (
    DISCLAIMER,
    Block,
    Guide,
    GuideError,
    GuideSummary,
    Library,
    load_guides,
    parse_guide,
)
from api.guides.front_matter import Problem
from api.guides.search import SearchResult, index_guides, search
from api.services import Services

__all__ = [
    "DISCLAIMER",
    "Block",
    "Guide",
    "GuideController",
    "GuideError",
    "GuideSummary",
    "Library",
    "Problem",
    "SearchResult",
    "index_guides",
    "load_guides",
    "parse_guide",
    "start",
]
MAX_QUERY = 200
AUDIENCE_FILTER = "family: guides for family or both; patient: guides for patients or both"


async def start(db: Database, library: Library, crisis: Crisis) -> Library:
    """Fill in this deployment's crisis lines, index the guides for search (at start-up) and
    hand them back for serving (the guide routes and family links both serve this library).
    """
    filled = fill_crisis_lines(library, crisis)
    await db.write(index_guides, list(filled.values()))
    return filled


def for_audience(guide: Guide, audience: str | None) -> bool:
    """``family`` matches family and both; ``patient`` matches patient and both."""
    return audience is None or guide.audience in (audience, "both")


class GuideController(Controller):
    path = "/api/guides"
    tags = ("guides",)
    cache_control = CacheControlHeader(public=True, max_age=300)

    @get("/", summary="Guide summaries, optionally for an audience and a topic")
    async def list_guides(
        self,
        services: NamedDependency[Services],
        audience: Annotated[
            Literal["patient", "family", "both"] | None,
            QueryParameter(name="audience", description=AUDIENCE_FILTER),
        ] = None,
        topic: Annotated[str | None, QueryParameter(name="topic", max_length=100)] = None,
    ) -> list[GuideSummary]:
        wanted = topic.strip().casefold() if topic else None
        return [
            guide.summarise()
            for guide in services.guides.values()
            if for_audience(guide, audience)
            and (wanted is None or wanted in (each.casefold() for each in guide.topics))
        ]

    @get("/search", summary="Full-text search: title hits first, snippets with <mark> around hits")
    async def search_guides(
        self,
        services: NamedDependency[Services],
        q: Annotated[str, QueryParameter(name="q", max_length=MAX_QUERY)] = "",
    ) -> list[SearchResult]:
        return await search(services.db, q)

    @get("/{slug:str}", summary="One guide with its blocks")
    async def get_guide(self, slug: FromPath[str], services: NamedDependency[Services]) -> Guide:
        guide = services.guides.get(slug)
        if guide is None:
            raise not_found("guide")
        return guide
