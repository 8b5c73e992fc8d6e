"""PHQ-9 and GAD-7 questionnaires as versioned records, scored by the server."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.domain import instruments
from api.domain.accounts import User
from api.domain.instruments import InstrumentId
from api.domain.kinds import ASSESSMENT, AssessmentOut, AssessmentPut
from api.routes.records import DeleteVersion, EndDay, Limit, StartDay, put_record, put_responses
from api.state import AppState
from api.store import records


class InstrumentList(msgspec.Struct):
    instruments: list[instruments.Instrument]


RecordId = FromPath[UUID]


@get("/api/instruments", tags=["assessments"], summary="PHQ-9 and GAD-7 (public)")
async def list_instruments() -> InstrumentList:
    return InstrumentList(instruments=list(instruments.INSTRUMENTS))


class AssessmentController(Controller):
    path = "/api/assessments"
    tags = ["assessments"]

    @put(
        "/{record_id:uuid}",
        summary="Create (201) or replace (200) a scored questionnaire",
        responses=put_responses(AssessmentOut),
    )
    async def put_assessment(
        self,
        record_id: RecordId,
        data: JSONBody[AssessmentPut],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> Response[AssessmentOut]:
        return await put_record(app_state, ASSESSMENT, user, record_id, data)

    @get("/{record_id:uuid}", summary="One questionnaire")
    async def get_assessment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> AssessmentOut:
        return await records.fetch(app_state.db, ASSESSMENT, user, record_id)

    @delete("/{record_id:uuid}", summary="Delete a questionnaire (leaves a tombstone for sync)")
    async def delete_assessment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        base_version: DeleteVersion = None,
    ) -> None:
        await records.remove(
            app_state.db, ASSESSMENT, user, record_id, base_version, app_state.clock()
        )

    @get("/", summary="Questionnaires by date, optionally of one instrument")
    async def list_assessments(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
        start: StartDay = None,
        end: EndDay = None,
        instrument: Annotated[InstrumentId | None, QueryParameter(name="instrument")] = None,
        limit: Limit = records.LIST_LIMIT_DEFAULT,
    ) -> list[AssessmentOut]:
        found = await records.between(
            app_state.db, ASSESSMENT, user, start, end, records.LIST_LIMIT_MAX
        )
        return [a for a in found if instrument is None or a.instrument == instrument][-limit:]
