"""Daily check-ins: the list by day. One check-in's PUT, GET and DELETE are the shared record
routes (``api.routes.records``)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from api.domain.accounts import User
from api.domain.kinds import ENTRY, EntryOut
from api.routes.params import EndDay, Limit, StartDay
from api.state import AppState
from api.store import records


@get(
    "/api/entries",
    tags=["entries"],
    summary="Check-ins by day (the latest `limit` in the range, oldest first)",
)
async def list_entries(
    user: NamedDependency[User],
    app_state: NamedDependency[AppState],
    start: StartDay = None,
    end: EndDay = None,
    limit: Limit = records.LIST_LIMIT_DEFAULT,
) -> list[EntryOut]:
    return await records.between(app_state.db, ENTRY, user, start, end, limit)
