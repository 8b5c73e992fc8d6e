"""Treatments (done, planned or cancelled): the list by date. One treatment's PUT, GET and DELETE
are the shared record routes (``api.routes.records``)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.domain.accounts import User
from api.domain.kinds import TREATMENT, TreatmentOut, TreatmentStatus
from api.routes.params import EndDay, Limit, StartDay
from api.state import AppState
from api.store import records


@get("/api/treatments", tags=["treatments"], summary="Treatments by date, optionally of one status")
async def list_treatments(
    user: NamedDependency[User],
    app_state: NamedDependency[AppState],
    start: StartDay = None,
    end: EndDay = None,
    status: Annotated[TreatmentStatus | None, QueryParameter(name="status")] = None,
    limit: Limit = records.LIST_LIMIT_DEFAULT,
) -> list[TreatmentOut]:
    found = await records.between(app_state.db, TREATMENT, user, start, end, records.LIST_LIMIT_MAX)
    return [t for t in found if status is None or t.status == status][-limit:]
