"""PHQ-9 and GAD-7: the instruments (public) and the list of a user's questionnaires. One
questionnaire's PUT, GET and DELETE are the shared record routes (``api.routes.records``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.domain import instruments
from api.domain.accounts import User
from api.domain.instruments import InstrumentId
from api.domain.kinds import ASSESSMENT, AssessmentOut
from api.routes.params import EndDay, Limit, StartDay
from api.state import AppState
from api.store import records


class InstrumentList(msgspec.Struct):
    instruments: list[instruments.Instrument]


@get("/api/instruments", tags=["assessments"], summary="PHQ-9 and GAD-7 (public)")
async def list_instruments() -> InstrumentList:
    return InstrumentList(instruments=list(instruments.INSTRUMENTS))


@get(
    "/api/assessments",
    tags=["assessments"],
    summary="Questionnaires by date, optionally of one instrument",
)
async def list_assessments(
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
