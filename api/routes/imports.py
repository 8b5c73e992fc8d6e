"""Taking the account's data out and bringing it back: the JSON archive and Daylio's CSV.

The formats and their validation are pure (``api.domain.archive``, ``api.domain.daylio``). A
file is checked whole before anything is written, then written in batches that other users'
writes interleave with, whole or not at all (``api.store.imports``).

An archive may be 64 MB: its body is read into one buffer (sized from Content-Length, so no
second copy), its records stay raw JSON in that buffer, and each is decoded, checked and
encoded one at a time, twice (once to check the file, once to write it), never all at once.
The checking pass hands the event loop back every ``YIELD_EVERY`` records, so the other
requests of this process carry on meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody
from litestar.params import RawBody

from api.domain.accounts import User
from api.domain.archive import (
    ARCHIVE_FORMAT,
    ARCHIVE_MAX_BYTES,
    ARCHIVE_VERSION,
    MAX_REPORTED,
    Archive,
    ArchiveAccount,
    ImportResult,
    Staged,
    archive_records,
    profile_changes,
    read_archive,
)
from api.domain.daylio import stage_daylio
from api.domain.errors import Busy, InvalidField, InvalidRows
from api.domain.kinds import KINDS
from api.state import AppState
from api.store import records
from api.store.db import Database
from api.store.imports import ALREADY_RUNNING, run_import

YIELD_EVERY = 50


@dataclass
class ArchiveBody(Operation):
    """The archive route reads its body itself (one buffer, records kept raw), so Litestar cannot
    see its type: the OpenAPI operation names it here, the ``Archive`` the export returns."""

    def __post_init__(self) -> None:
        archive = Reference(ref="#/components/schemas/Archive")
        self.request_body = RequestBody(
            content={"application/json": OpenAPIMediaType(schema=archive)}, required=True
        )


IMPORT_RESPONSES = {
    400: ResponseSpec(
        dict[str, Any],
        description="A record or the file breaks a rule (`extra` names it); nothing imported",
        generate_examples=False,
    ),
    409: ResponseSpec(
        dict[str, Any],
        description="Another import into this account is still running",
        generate_examples=False,
    ),
}


async def read_body(request: Request[Any, Any, Any], limit: int) -> bytearray:
    """The whole body in ONE buffer: allocated once from Content-Length when the client sends
    it (Litestar's ``body()`` joins the chunks into a second copy), grown otherwise."""
    announced = request.content_length
    if announced is not None and 0 < announced <= limit:
        buffer = bytearray(announced)
        filled = 0
        async for chunk in request.stream():
            # Past the announced end the slice grows the buffer: the decoder judges what came.
            buffer[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        del buffer[filled:]
        return buffer
    grown = bytearray()
    async for chunk in request.stream():  # the stream itself refuses more than the limit
        grown += chunk
    return grown


@contextmanager
def one_at_a_time(app_state: AppState, user: User) -> Iterator[None]:
    """409 at once, before the body is read, while this account has an import in this process:
    the database's own check (``run_import``) comes only after the whole file is in memory and
    checked, so without this one account could hold any number of 64 MB bodies at once."""
    if user.id in app_state.importing:
        raise Busy(ALREADY_RUNNING)
    app_state.importing.add(user.id)
    try:
        yield
    finally:
        app_state.importing.discard(user.id)


async def write_import(
    app_state: AppState, user: User, staged: Iterable[Staged], profile: dict[str, Any]
) -> ImportResult:
    """Checked records into the account, in batches, whole or not at all."""
    db, abandon_after = app_state.db, app_state.settings.import_abandon_seconds
    return await run_import(db, user.id, staged, profile, app_state.clock, abandon_after)


async def check_all(staged: Iterator[Staged]) -> None:
    """Run through every record (raising at the first bad one), handing the loop back as it goes."""
    for count, _ in enumerate(staged, 1):
        if count % YIELD_EVERY == 0:
            await asyncio.sleep(0)


async def build_archive(db: Database, user: User, now: datetime) -> Archive:
    return Archive(
        format=ARCHIVE_FORMAT,
        version=ARCHIVE_VERSION,
        exported_at=now.isoformat(timespec="seconds"),
        account=ArchiveAccount(
            username=user.username,
            display_name=user.display_name,
            timezone=user.timezone,
            baseline_date=user.baseline_date,
            clinic_phone=user.clinic_phone,
            patient_reference=user.patient_reference,
        ),
        **{
            kind.section: await records.between(db, kind, user, None, None, records.ALL)
            for kind in KINDS.values()
        },
    )


class PortabilityController(Controller):
    """The account's archive out and in, and Daylio's CSV in. Owner only."""

    path = "/api"
    tags = ("exports",)

    @get("/export/archive", summary="Everything in the account as one JSON archive")
    async def export_archive(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> Response[Archive]:
        now = app_state.clock()
        name = f"waypoint-archive-{user.username}-{now.date().isoformat()}.json"
        return Response(
            await build_archive(app_state.db, user, now),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # Years of notes outgrow the general body limit; an archive may be this large.
    @post(
        "/import/archive",
        status_code=200,
        summary="Import an archive (never overwrites)",
        description="The body is an archive exactly as GET /api/export/archive returns it "
        "(Content-Type: application/json, up to 64 MB). The whole file is checked first: a bad "
        "record gets 400 naming its place (entries[3].mood) and nothing is imported. Then it is "
        "written in batches, whole or not at all; 409 while another import into the account runs.",
        request_max_body_size=ARCHIVE_MAX_BYTES,
        operation_class=ArchiveBody,
        responses=IMPORT_RESPONSES,
        opt={"json_body": True},  # 415 for any other Content-Type (api/security.py)
    )
    async def import_archive(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> ImportResult:
        with one_at_a_time(app_state, user):
            return await self._import_archive(request, user, app_state)

    async def _import_archive(
        self, request: Request[Any, Any, Any], user: User, app_state: AppState
    ) -> ImportResult:
        now = app_state.clock()
        data = read_archive(await read_body(request, ARCHIVE_MAX_BYTES))
        profile = profile_changes(user, data.account)
        effective = msgspec.structs.replace(
            user,
            timezone=profile.get("timezone", user.timezone),
            baseline_date=data.account.baseline_date
            if "baseline_date" in profile
            else user.baseline_date,
        )
        await check_all(archive_records(data, effective.tz, now))
        result = await write_import(
            app_state, user, archive_records(data, effective.tz, now), profile
        )
        app_state.session_cache.forget_user(user.id)  # the profile may have changed
        return result

    @post(
        "/import/daylio",
        status_code=200,
        summary="Import a Daylio CSV export (all rows or none)",
        description="The body is the CSV file exactly as Daylio exports it (Content-Type: "
        "text/csv). A bad row gets 400 with its line, field and message; nothing is imported.",
    )
    async def import_daylio(
        self,
        body: RawBody,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> ImportResult:
        now = app_state.clock()
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidField("body", "must be a UTF-8 CSV file (Daylio's export).") from None
        if not text.strip():
            raise InvalidField("body", "is empty; send the CSV file Daylio exported.")
        staged, errors = stage_daylio(text, user.username, user.tz, now)
        if errors:
            raise InvalidRows(
                f"{len(errors)} row(s) of the Daylio file are invalid; none was imported.",
                [msgspec.to_builtins(e) for e in errors[:MAX_REPORTED]],
            )
        return await write_import(app_state, user, staged, {})
