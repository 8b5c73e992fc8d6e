"""Daily check-ins: mood (required), optional anxiety, energy, sleep, tags and a note."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.domain.accounts import User
from api.domain.kinds import ENTRY, EntryOut, EntryPut
from api.routes.records import DeleteVersion, EndDay, Limit, StartDay, put_record, put_responses
from api.state import AppState
from api.store import records

RecordId = FromPath[UUID]


class EntryController(Controller):
    path = "/api/entries"
    tags = ["entries"]

    @put(
        "/{record_id:uuid}",
        summary="Create (201) or replace (200) a check-in",
        responses=put_responses(EntryOut),
    )
    async def put_entry(
        self,
        record_id: RecordId,
        data: JSONBody[EntryPut],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> Response[EntryOut]:
        return await put_record(app_state, ENTRY, user, record_id, data)

    @get("/{record_id:uuid}", summary="One check-in")
    async def get_entry(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> EntryOut:
        return await records.fetch(app_state.db, ENTRY, user, record_id)

    @delete("/{record_id:uuid}", summary="Delete a check-in (leaves a tombstone for sync)")
    async def delete_entry(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        base_version: DeleteVersion = None,
    ) -> None:
        await records.remove(app_state.db, ENTRY, user, record_id, base_version, app_state.clock())

    @get("/", summary="Check-ins by day (the latest `limit` in the range, oldest first)")
    async def list_entries(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        start: StartDay = None,
        end: EndDay = None,
        limit: Limit = records.LIST_LIMIT_DEFAULT,
    ) -> list[EntryOut]:
        return await records.between(app_state.db, ENTRY, user, start, end, limit)
