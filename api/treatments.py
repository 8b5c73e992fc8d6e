"""Treatments: sessions that happened (done), are coming (planned) or were cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api import records
from api.crisis import Crisis
from api.errors import field_error
from api.records import BaseVersion, DeleteVersion, EndDay, Limit, Prepared, StartDay
from api.services import Services
from api.sessions import User

TreatmentKind = Literal["iv_infusion", "esketamine_nasal", "im_injection", "oral", "other"]
Status = Literal["planned", "done", "cancelled"]
Text = Annotated[str, msgspec.Meta(max_length=200)]


class BloodPressure(msgspec.Struct, forbid_unknown_fields=True):
    systolic: Annotated[int, msgspec.Meta(ge=40, le=300, description="mmHg")]
    diastolic: Annotated[int, msgspec.Meta(ge=20, le=200, description="mmHg")]


class TreatmentFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    at: Annotated[datetime, msgspec.Meta(tz=True, description="Date-time with its UTC offset")]
    kind: TreatmentKind
    status: Status
    dose_mg: Annotated[float, msgspec.Meta(gt=0, le=5000)] | None = None
    clinic: Text | None = None
    notes: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    side_effects: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=30)
    ] = []
    bp_before: BloodPressure | None = None
    bp_after: BloodPressure | None = None


class TreatmentPut(TreatmentFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class TreatmentOut(TreatmentFields, omit_defaults=False):
    id: str = ""
    version: int = 0
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None


def prepare_treatment(body: TreatmentPut, user: User, now: datetime) -> Prepared:
    # A session that happened cannot be in the future; a day of slack covers clock skew.
    if body.status == "done" and body.at > now + timedelta(days=1):
        raise field_error("at", "a done treatment cannot be in the future; plan it instead.")
    stored = msgspec.structs.replace(body, base_version=None)
    return Prepared(stored, body.at.astimezone(user.tz).date().isoformat(), False)


TREATMENT = records.register(
    records.Kind(
        name="treatment", label="treatment", out_type=TreatmentOut, prepare=prepare_treatment
    )
)
RecordId = FromPath[UUID]


class TreatmentController(Controller):
    path = "/api/treatments"
    tags = ["treatments"]

    @put(
        "/{record_id:uuid}",
        summary="Create (201) or replace (200) a treatment",
        responses=records.put_responses(TreatmentOut),
    )
    async def put_treatment(
        self,
        record_id: RecordId,
        data: JSONBody[TreatmentPut],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> Response[TreatmentOut]:
        return await records.put(
            services.db, TREATMENT, user, record_id, data, services.clock, services.crisis
        )

    @get("/{record_id:uuid}", summary="One treatment")
    async def get_treatment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> TreatmentOut:
        return await records.fetch(services.db, TREATMENT, user, record_id)

    @delete("/{record_id:uuid}", summary="Delete a treatment (leaves a tombstone for sync)")
    async def delete_treatment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        base_version: DeleteVersion = None,
    ) -> None:
        await records.remove(services.db, TREATMENT, user, record_id, base_version, services.clock)

    @get("/", summary="Treatments by date, optionally of one status")
    async def list_treatments(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
        status: Annotated[Status | None, QueryParameter(name="status")] = None,
        limit: Limit = records.LIST_LIMIT_DEFAULT,
    ) -> list[TreatmentOut]:
        found = await records.between(
            services.db, TREATMENT, user, start, end, records.LIST_LIMIT_MAX
        )
        return [t for t in found if status is None or t.status == status][-limit:]
