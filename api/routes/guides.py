"""Guides: the public routes. Guides are public content: no session, briefly cacheable.

The file format is ``api.domain.guides.format``; the search index is ``api.store.guide_search``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.domain.errors import NotFound
from api.domain.guides.format import Guide, GuideSummary
from api.state import AppState
from api.store.guide_search import SearchResult, search

MAX_QUERY = 200
AUDIENCE_FILTER = "family: guides for family or both; patient: guides for patients or both"


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
        app_state: NamedDependency[AppState],
        audience: Annotated[
            Literal["patient", "family", "both"] | None,
            QueryParameter(name="audience", description=AUDIENCE_FILTER),
        ] = None,
        topic: Annotated[str | None, QueryParameter(name="topic", max_length=100)] = None,
    ) -> list[GuideSummary]:
        wanted = topic.strip().casefold() if topic else None
        return [
            guide.summarise()
            for guide in app_state.guides.values()
            if for_audience(guide, audience)
            and (wanted is None or wanted in (each.casefold() for each in guide.topics))
        ]

    @get("/search", summary="Full-text search: title hits first, snippets with <mark> around hits")
    async def search_guides(
        self,
        app_state: NamedDependency[AppState],
        q: Annotated[str, QueryParameter(name="q", max_length=MAX_QUERY)] = "",
    ) -> list[SearchResult]:
        return await search(app_state.db, q)

    @get("/{slug:str}", summary="One guide with its blocks")
    async def get_guide(self, slug: FromPath[str], app_state: NamedDependency[AppState]) -> Guide:
        guide = app_state.guides.get(slug)
        if guide is None:
            raise NotFound("guide")
        return guide
