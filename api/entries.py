"""Daily check-ins: mood (required), optional anxiety, energy, sleep, tags and a note."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as Time
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api import progress, records
from api.crisis import Crisis
from api.db import Database
from api.errors import field_error
from api.records import BaseVersion, DeleteVersion, EndDay, Limit, Prepared, StartDay
from api.services import Services
from api.sessions import Clock, User
from api.trends import Prompt
from api.trends.shapes import ROLLING_WINDOW_DAYS

LOWEST_MOOD = 0
#: Mood prompts are worked out on a PUT only for a check-in this low (a check-in above it
#: cannot be what pulls a depressed baseline's 7-day mean down) from the last week; the
#: trends always apply every rule. Kept narrow so an ordinary check-in stays one write and
#: no read; a low one costs two small reads (`progress.checkin_prompts`).
PROMPT_MOOD_AT_MOST = 5
Score = Annotated[int, msgspec.Meta(ge=0, le=10, description="0 (worst) to 10 (best)")]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class EntryFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    day: date
    time: Time | None = None
    mood: Score
    anxiety: Score | None = None
    energy: Score | None = None
    sleep_hours: Annotated[float, msgspec.Meta(ge=0, le=24)] | None = None
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] = []
    note: Annotated[str, msgspec.Meta(max_length=10_000)] = ""


class EntryPut(EntryFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class EntryOut(EntryFields, omit_defaults=False):
    id: str = ""
    version: int = 0
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None
    prompts: list[Prompt] = []


async def mood_prompts(db: Database, user: User, out: EntryOut, clock: Clock) -> None:
    """Set the mood prompts that fire on the 7-day mean ending on this check-in's day."""
    today = clock().astimezone(user.tz).date()
    recent = today - out.day < timedelta(days=ROLLING_WINDOW_DAYS)
    if out.mood > PROMPT_MOOD_AT_MOST or not recent:
        return
    out.prompts = await progress.checkin_prompts(db, user, out.day)


def prepare_entry(body: EntryPut, user: User, now: datetime) -> Prepared:
    tomorrow = now.astimezone(user.tz).date() + timedelta(days=1)
    if body.day > tomorrow:
        raise field_error("day", "must be no later than tomorrow in your time zone.")
    stored = msgspec.structs.replace(body, base_version=None)
    return Prepared(stored, body.day.isoformat(), body.mood == LOWEST_MOOD)


ENTRY = records.register(
    records.Kind(name="entry", label="check-in", out_type=EntryOut, prepare=prepare_entry)
)
RecordId = FromPath[UUID]


class EntryController(Controller):
    path = "/api/entries"
    tags = ["entries"]

    @put(
        "/{record_id:uuid}",
        summary="Create (201) or replace (200) a check-in",
        responses=records.put_responses(EntryOut),
    )
    async def put_entry(
        self,
        record_id: RecordId,
        data: JSONBody[EntryPut],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> Response[EntryOut]:
        response = await records.put(
            services.db, ENTRY, user, record_id, data, services.clock, services.crisis
        )
        await mood_prompts(services.db, user, response.content, services.clock)
        return response

    @get("/{record_id:uuid}", summary="One check-in")
    async def get_entry(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> EntryOut:
        return await records.fetch(services.db, ENTRY, user, record_id)

    @delete("/{record_id:uuid}", summary="Delete a check-in (leaves a tombstone for sync)")
    async def delete_entry(
        self,
        record_id: RecordId,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        base_version: DeleteVersion = None,
    ) -> None:
        await records.remove(services.db, ENTRY, user, record_id, base_version, services.clock)

    @get("/", summary="Check-ins by day (the latest `limit` in the range, oldest first)")
    async def list_entries(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
        start: StartDay = None,
        end: EndDay = None,
        limit: Limit = records.LIST_LIMIT_DEFAULT,
    ) -> list[EntryOut]:
        return await records.between(services.db, ENTRY, user, start, end, limit)
