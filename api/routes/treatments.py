"""Treatments: sessions that happened (done), are coming (planned) or were cancelled."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.domain.accounts import User
from api.domain.kinds import TREATMENT, TreatmentOut, TreatmentPut, TreatmentStatus
from api.routes.records import DeleteVersion, EndDay, Limit, StartDay, put_record, put_responses
from api.state import AppState
from api.store import records

RecordId = FromPath[UUID]


class TreatmentController(Controller):
    path = "/api/treatments"
    tags = ["treatments"]

    @put(
        "/{record_id:uuid}",
        summary="Create (201) or replace (200) a treatment",
        responses=put_responses(TreatmentOut),
    )
    async def put_treatment(
        self,
        record_id: RecordId,
        data: JSONBody[TreatmentPut],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> Response[TreatmentOut]:
        return await put_record(app_state, TREATMENT, user, record_id, data)

    @get("/{record_id:uuid}", summary="One treatment")
    async def get_treatment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> TreatmentOut:
        return await records.fetch(app_state.db, TREATMENT, user, record_id)

    @delete("/{record_id:uuid}", summary="Delete a treatment (leaves a tombstone for sync)")
    async def delete_treatment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        base_version: DeleteVersion = None,
    ) -> None:
        await records.remove(
            app_state.db, TREATMENT, user, record_id, base_version, app_state.clock()
        )

    @get("/", summary="Treatments by date, optionally of one status")
    async def list_treatments(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        start: StartDay = None,
        end: EndDay = None,
        status: Annotated[TreatmentStatus | None, QueryParameter(name="status")] = None,
        limit: Limit = records.LIST_LIMIT_DEFAULT,
    ) -> list[TreatmentOut]:
        found = await records.between(
            app_state.db, TREATMENT, user, start, end, records.LIST_LIMIT_MAX
        )
        return [t for t in found if status is None or t.status == status][-limit:]
