"""PHQ-9 and GAD-7 questionnaires as versioned records, scored by the server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api import instruments, progress, records
from api.crisis import Crisis
from api.db import Database
from api.errors import field_error
from api.instruments import InstrumentId
from api.records import BaseVersion, DeleteVersion, EndDay, Limit, Prepared, StartDay
from api.services import Services
from api.sessions import Clock, User
from api.trends import Prompt, rules

CLOCK_SKEW = timedelta(days=1)
Answer = Annotated[int, msgspec.Meta(ge=0, le=3, description="0 not at all … 3 nearly every day")]


class AssessmentFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    instrument: InstrumentId
    answers: Annotated[list[Answer], msgspec.Meta(min_length=1, max_length=9)]
    # PHQ-9's closing question; it is not part of the score.
    difficulty: Annotated[int, msgspec.Meta(ge=0, le=3)] | None = None
    taken_at: Annotated[datetime, msgspec.Meta(tz=True)]


class AssessmentPut(AssessmentFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class AssessmentStored(AssessmentFields):
    total: int = 0
    band: str = ""
    band_label: str = ""


class AssessmentOut(AssessmentStored, omit_defaults=False):
    id: str = ""
    version: int = 0
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None
    prompts: list[Prompt] = []


class InstrumentList(msgspec.Struct):
    instruments: list[instruments.Instrument]


def prepare_assessment(body: AssessmentPut, user: User, now: datetime) -> Prepared:
    spec = instruments.instrument(body.instrument)
    if len(body.answers) != len(spec.items):
        raise field_error(
            "answers", f"{spec.name} has {len(spec.items)} questions; got {len(body.answers)}."
        )
    if body.difficulty is not None and spec.difficulty is None:
        raise field_error("difficulty", f"{spec.name} has no difficulty question.")
    if body.taken_at > now + CLOCK_SKEW:
        raise field_error("taken_at", "cannot be in the future.")
    result = instruments.score(body.instrument, body.answers)
    stored = AssessmentStored(
        instrument=body.instrument,
        answers=body.answers,
        difficulty=body.difficulty,
        taken_at=body.taken_at,
        total=result.total,
        band=result.band,
        band_label=result.band_label,
    )
    day = body.taken_at.astimezone(user.tz).date().isoformat()
    return Prepared(stored, day, result.item9_positive)


ASSESSMENT = records.register(
    records.Kind(
        name="assessment", label="questionnaire", out_type=AssessmentOut, prepare=prepare_assessment
    )
)
RecordId = FromPath[UUID]


async def with_prompts(db: Database, user: User, out: AssessmentOut, clock: Clock) -> AssessmentOut:
    """The assessment with its care-team prompts (see `rules.care_prompts`).

    A PHQ-9's rise is measured against the PHQ-9 taken before it and against the baseline
    PHQ-9 (when this one comes after the baseline date).
    """
    if out.instrument == "gad7":
        out.prompts = rules.care_prompts(gad7=out.total, clinic_phone=user.clinic_phone)
        return out
    day = out.taken_at.astimezone(user.tz).date()
    earlier = await records.between(db, ASSESSMENT, user, None, day, records.LIST_LIMIT_MAX)
    before = [
        each
        for each in earlier
        if each.instrument == "phq9" and each.id != out.id and each.taken_at < out.taken_at
    ]
    previous = max(before, key=lambda each: each.taken_at).total if before else None
    summary = (await progress.load_trends(db, user, day, day, clock)).summary
    # The baseline PHQ-9 is taken on or before the baseline date: only a later score is a change.
    after = summary.baseline_date is not None and day > summary.baseline_date
    baseline = summary.baseline_phq9 if after else None
    out.prompts = rules.care_prompts(
        phq9=(out.total, previous, baseline), clinic_phone=user.clinic_phone
    )
    return out


@get("/api/instruments", tags=["assessments"], summary="PHQ-9 and GAD-7 (public)")
async def list_instruments() -> InstrumentList:
    return InstrumentList(instruments=list(instruments.INSTRUMENTS))


class AssessmentController(Controller):
    path = "/api/assessments"
    tags = ["assessments"]

    @put(
        "/{record_id:uuid}",
        summary="Create (201) or replace (200) a scored questionnaire",
        responses=records.put_responses(AssessmentOut),
    )
    async def put_assessment(
        self,
        record_id: RecordId,
        data: JSONBody[AssessmentPut],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> Response[AssessmentOut]:
        response = await records.put(
            services.db, ASSESSMENT, user, record_id, data, services.clock, services.crisis
        )
        await with_prompts(services.db, user, response.content, services.clock)
        return response

    @get("/{record_id:uuid}", summary="One questionnaire")
    async def get_assessment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> AssessmentOut:
        found = await records.fetch(services.db, ASSESSMENT, user, record_id)
        return await with_prompts(services.db, user, found, services.clock)

    @delete("/{record_id:uuid}", summary="Delete a questionnaire (leaves a tombstone for sync)")
    async def delete_assessment(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        base_version: DeleteVersion = None,
    ) -> None:
        await records.remove(services.db, ASSESSMENT, user, record_id, base_version, services.clock)

    @get("/", summary="Questionnaires by date, optionally of one instrument")
    async def list_assessments(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
        instrument: Annotated[InstrumentId | None, QueryParameter(name="instrument")] = None,
        limit: Limit = records.LIST_LIMIT_DEFAULT,
    ) -> list[AssessmentOut]:
        found = await records.between(
            services.db, ASSESSMENT, user, start, end, records.LIST_LIMIT_MAX
        )
        return [a for a in found if instrument is None or a.instrument == instrument][-limit:]
