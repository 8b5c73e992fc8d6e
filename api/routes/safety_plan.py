"""The person's safety plan: one per account, a versioned record like the others (it syncs through
``/api/changes``, travels in the archive, goes with the account) at a fixed id, so its routes
need none. It is never part of a share link.

There is no DELETE: a deleted record never comes back (sync relies on it), and the plan's id is
fixed, so a deleted plan could never be written again. Emptying every step clears it.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.domain.accounts import User
from api.domain.errors import NotFound
from api.domain.kinds import SAFETY_PLAN, SafetyPlanOut, SafetyPlanPut
from api.routes.records import put_responses
from api.state import AppState
from api.store import records

#: The plan's record id: ids are scoped to their owner, so one fixed id serves every account.
PLAN_ID: Final = UUID("5afe7b1a-0000-4000-8000-000000000001")


class SafetyPlanController(Controller):
    path = "/api/safety-plan"
    tags = ["safety"]

    @get("/", summary="My safety plan (version 0 and empty steps until one is written)")
    async def get_plan(
        self, user: NamedDependency[User], app_state: NamedDependency[AppState]
    ) -> SafetyPlanOut:
        try:
            plan = await records.fetch(app_state.db, SAFETY_PLAN, user, PLAN_ID)
        except NotFound:
            plan = SafetyPlanOut(id=str(PLAN_ID))
        plan.crisis = app_state.crisis
        return plan

    @put(
        "/",
        summary="Write (201) or replace (200) my safety plan",
        responses=put_responses(SafetyPlanOut),
    )
    async def put_plan(
        self,
        data: JSONBody[SafetyPlanPut],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> Response[SafetyPlanOut]:
        created, plan = await records.put(
            app_state.db, SAFETY_PLAN, user, PLAN_ID, data, app_state.clock()
        )
        plan.crisis = app_state.crisis
        return Response(plan, status_code=201 if created else 200)
