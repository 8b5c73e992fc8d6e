"""The routes of the versioned records: PUT, GET and DELETE of one record for every kind in
``KINDS`` (one controller each, made by ``record_controller``), the query parameters the kinds'
list routes share, and the changes feed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter

from api.domain.accounts import User
from api.domain.kinds import KINDS, MAX_COUNTER, ChangePage, Kind, OutT, PutT
from api.routes import prompts
from api.routes.params import DeleteVersion, RecordId
from api.state import AppState
from api.store import records


def put_responses(out_type: type[Any]) -> dict[int, ResponseSpec]:
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


Annotate = Callable[[AppState, User, Any], Awaitable[None]]


def record_controller(kind: Kind[PutT, OutT], annotate: Annotate | None = None) -> type[Controller]:
    """``/api/<path>/{record_id}`` for one kind: create or replace, read, delete.

    The handlers are written once, against the type variables ``PutT`` and ``OutT``; the
    controller's ``signature_namespace`` tells Litestar which Structs they stand for, so each
    kind gets its own validation and OpenAPI schema from the same code. ``annotate`` adds what
    a kind's answer carries beyond the record (care-team prompts).
    """

    class RecordController(Controller):
        path = f"/api/{kind.path}"
        tags = [kind.path]
        signature_namespace = {"PutT": kind.put_type, "OutT": kind.out_type}

        @put(
            "/{record_id:uuid}",
            summary=f"Create (201) or replace (200) a {kind.label}",
            responses=put_responses(kind.out_type),
        )
        async def put_one(
            self,
            record_id: RecordId,
            data: JSONBody[PutT],
            user: NamedDependency[User],
            app_state: NamedDependency[AppState],
        ) -> Response[OutT]:
            response = await put_record(app_state, kind, user, record_id, data)
            if annotate is not None:
                await annotate(app_state, user, response.content)
            return response

        @get("/{record_id:uuid}", summary=f"One {kind.label}")
        async def get_one(
            self,
            record_id: RecordId,
            user: NamedDependency[User],
            app_state: NamedDependency[AppState],
        ) -> OutT:
            found = await records.fetch(app_state.db, kind, user, record_id)
            if annotate is not None:
                await annotate(app_state, user, found)
            return found

        @delete("/{record_id:uuid}", summary=f"Delete a {kind.label} (leaves a tombstone for sync)")
        async def delete_one(
            self,
            record_id: RecordId,
            user: NamedDependency[User],
            app_state: NamedDependency[AppState],
            base_version: DeleteVersion = None,
        ) -> None:
            await records.remove(
                app_state.db, kind, user, record_id, base_version, app_state.clock()
            )

    RecordController.__name__ = RecordController.__qualname__ = f"{kind.path.title()}Controller"
    return RecordController


RECORD_CONTROLLERS = [
    record_controller(kind, prompts.ANNOTATORS.get(kind.name))
    for kind in KINDS.values()
    if not kind.singleton
]


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
