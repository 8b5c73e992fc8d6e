"""What the three record controllers (entries, treatments, assessments) and the changes feed share:
query parameters, the PUT response with its crisis block, and the OpenAPI of a PUT."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.domain.accounts import User
from api.domain.kinds import MAX_COUNTER, ChangePage, Kind, OutT, PutT
from api.state import AppState
from api.store import records

DeleteVersion = Annotated[int | None, QueryParameter(name="base_version", ge=0, le=MAX_COUNTER)]
Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=records.LIST_LIMIT_MAX)]
StartDay = Annotated[date | None, QueryParameter(name="from", description="First day, inclusive")]
EndDay = Annotated[date | None, QueryParameter(name="to", description="Last day, inclusive")]


def put_responses(out_type: type[msgspec.Struct]) -> dict[int, ResponseSpec]:
    """OpenAPI for a PUT beyond its 200: created (201) and the version conflict (409)."""
    return {
        201: ResponseSpec(out_type, description="Created"),
        409: ResponseSpec(
            dict[str, Any],
            description="The base_version is stale, or the record was deleted; `current` holds "
            "the server's copy",
            generate_examples=False,
        ),
    }


async def put_record(
    app_state: AppState, kind: Kind[PutT, OutT], user: User, record_id: UUID, body: PutT
) -> Response[OutT]:
    """Store a PUT; 201 when it created the record. A flagged record carries the crisis block."""
    created, out = await records.put(app_state.db, kind, user, record_id, body, app_state.clock())
    if out.flagged:
        out.crisis = app_state.crisis
    return Response(out, status_code=201 if created else 200)


class ChangesController(Controller):
    path = "/api/changes"
    tags = ["sync"]

    @get("/", summary="Everything that changed after a sequence number, tombstones included")
    async def list_changes(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        since: Annotated[int, QueryParameter(name="since", ge=0, le=MAX_COUNTER)] = 0,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=1000)] = 500,
    ) -> ChangePage:
        return await records.changes(app_state.db, user, since, limit)
