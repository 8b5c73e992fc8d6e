"""Taking the account's data out and bringing it back: the JSON archive and Daylio's CSV.

The formats and their validation are pure (``api.domain.archive``, ``api.domain.daylio``); an
import is stored in ONE write (``api.store.records.import_staged``), so it is whole or nothing.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, RawBody

from api.domain.accounts import User
from api.domain.archive import (
    ARCHIVE_FORMAT,
    ARCHIVE_MAX_BYTES,
    ARCHIVE_VERSION,
    MAX_REPORTED,
    Archive,
    ArchiveAccount,
    ImportResult,
    profile_changes,
    stage_archive,
)
from api.domain.daylio import stage_daylio
from api.domain.errors import InvalidField, InvalidRows
from api.domain.kinds import KINDS
from api.state import AppState
from api.store import records
from api.store.db import Database


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
        request_max_body_size=ARCHIVE_MAX_BYTES,
    )
    async def import_archive(
        self,
        data: JSONBody[Archive],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> ImportResult:
        now = app_state.clock()
        profile = profile_changes(user, data.account)
        effective = msgspec.structs.replace(
            user,
            timezone=profile.get("timezone", user.timezone),
            baseline_date=data.account.baseline_date
            if "baseline_date" in profile
            else user.baseline_date,
        )
        staged = stage_archive(data, effective.tz, now)
        stamp = now.isoformat(timespec="milliseconds")
        result = await app_state.db.write(
            records.import_staged, app_state.db.keyring, user.id, staged, profile, stamp
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
        stamp = now.isoformat(timespec="milliseconds")
        return await app_state.db.write(
            records.import_staged, app_state.db.keyring, user.id, staged, {}, stamp
        )
