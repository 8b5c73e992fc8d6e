"""Accounts: register, log in and out, profile, password, sessions, deletion."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Annotated, Any
from zoneinfo import available_timezones

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from api.errors import field_error, not_found
from api.services import Services
from api.sessions import (
    CLEARED_SESSION_COOKIES,
    User,
    check_password,
    cookie_name,
    delete_expired_sessions,
    end_current_session,
    hash_password,
    insert_session,
    needs_rehash,
    with_session_cookie,
)
from api.settings import Settings

Username = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="3 to 40 letters, digits, '.', '_' or '-'.",
    ),
]
# At least 8 characters; long passphrases are welcome and never truncated (argon2 hashes all).
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=1024)]
AnyPassword = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
TimeZoneName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=64, description="An IANA time zone, e.g. Europe/Paris"),
]
DisplayName = Annotated[str, msgspec.Meta(max_length=80)]
ClinicPhone = Annotated[
    str,
    msgspec.Meta(
        max_length=30,
        pattern=r"^\s*$|^\s*\+?[0-9][0-9 ().-]{2,28}\s*$",
        description="The clinic's phone number, shown on care-team prompts; '' for none",
    ),
]
PatientReference = Annotated[
    str,
    msgspec.Meta(
        max_length=40, description="The clinic's record number, printed in the report's header"
    ),
]
WRONG_LOGIN = "Wrong username or password."


class Register(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password
    timezone: TimeZoneName = "UTC"
    display_name: DisplayName = ""


class LogIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    password: AnyPassword


class AccountPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    timezone: TimeZoneName | msgspec.UnsetType = msgspec.UNSET
    # The day mood and PHQ-9 baselines are measured against; null = the first done treatment.
    baseline_date: date | msgspec.UnsetType | None = msgspec.UNSET
    clinic_phone: ClinicPhone | msgspec.UnsetType = msgspec.UNSET
    patient_reference: PatientReference | msgspec.UnsetType = msgspec.UNSET


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: AnyPassword
    new_password: Password
    end_other_sessions: bool = False


class AccountDeletion(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    password: AnyPassword


class Account(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    timezone: str
    baseline_date: date | None
    created_at: str
    clinic_phone: str = ""
    patient_reference: str = ""


class SessionInfo(msgspec.Struct, kw_only=True):
    id: str
    created_at: float
    last_seen_at: float
    user_agent: str
    current: bool


def check_timezone(name: str) -> None:
    if name not in _zones():
        raise field_error("timezone", f"Unknown time zone {name!r}; use an IANA name.")


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def account_of(user: User) -> Account:
    return Account(
        username=user.username,
        display_name=user.display_name,
        timezone=user.timezone,
        baseline_date=user.baseline_date,
        created_at=user.created_at,
        clinic_phone=user.clinic_phone,
        patient_reference=user.patient_reference,
    )


def _account_row(conn: sqlite3.Connection, username: str) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = conn.execute(
        "SELECT id, username, password_hash, display_name, timezone, baseline_date, created_at, "
        "clinic_phone, patient_reference FROM users WHERE username = ?",
        (username,),
    ).fetchone()
    return row


def _password_hash(conn: sqlite3.Connection, user_id: int) -> str:
    row = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user_id,)).fetchone()
    return str(row[0])


def _register(
    conn: sqlite3.Connection, data: Register, password_hash: str, agent: str, now: Any
) -> tuple[str, Account]:
    try:
        conn.execute(
            "INSERT INTO users (username, password_hash, display_name, timezone, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (data.username, password_hash, data.display_name, data.timezone, now.isoformat()),
        )
    except sqlite3.IntegrityError:
        raise HTTPException(status_code=409, detail="That username is taken.") from None
    user_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    secret = insert_session(conn, user_id, agent, now.timestamp())
    account = Account(
        username=data.username,
        display_name=data.display_name,
        timezone=data.timezone,
        baseline_date=None,
        created_at=now.isoformat(),
    )
    return secret, account


def _log_in(
    conn: sqlite3.Connection,
    user_id: int,
    new_hash: str | None,
    agent: str,
    now: float,
    settings: Settings,
) -> str:
    if new_hash is not None:
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (new_hash, user_id))
    delete_expired_sessions(conn, user_id, now, settings)
    return insert_session(conn, user_id, agent, now)


def _patch(conn: sqlite3.Connection, user_id: int, changes: dict[str, Any]) -> None:
    for column, value in changes.items():  # column names come from the Struct, never the client
        conn.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))  # noqa: S608


def _set_password(conn: sqlite3.Connection, user: User, new_hash: str, end_others: bool) -> None:
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (new_hash, user.id))
    if end_others:
        conn.execute(
            "DELETE FROM sessions WHERE user_id = ? AND public_id != ?", (user.id, user.session_id)
        )


def _sessions(conn: sqlite3.Connection, user: User) -> list[SessionInfo]:
    rows = conn.execute(
        "SELECT public_id, created_at, last_seen_at, user_agent FROM sessions "
        "WHERE user_id = ? ORDER BY last_seen_at DESC",
        (user.id,),
    ).fetchall()
    return [
        SessionInfo(
            id=r[0],
            created_at=r[1],
            last_seen_at=r[2],
            user_agent=r[3],
            current=r[0] == user.session_id,
        )
        for r in rows
    ]


def _end_session(conn: sqlite3.Connection, user_id: int, public_id: str) -> int:
    return conn.execute(
        "DELETE FROM sessions WHERE user_id = ? AND public_id = ?", (user_id, public_id)
    ).rowcount


def _delete_account(conn: sqlite3.Connection, user_id: int) -> None:
    # Every table that holds personal data references users(id) ON DELETE CASCADE.
    conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


def client_key(request: Request[Any, Any, Any]) -> str:
    return "client:" + (request.client.host if request.client else "unknown")


class AccountController(Controller):
    path = "/api/account"
    tags = ["account"]

    @post("/", status_code=HTTP_201_CREATED, summary="Register and log in")
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[Register],
        services: NamedDependency[Services],
    ) -> Response[Account]:
        # Counted apart from log-ins, so signing up never uses up a person's log-in attempts.
        keys = ("register-" + client_key(request), "register-user:" + data.username.lower())
        services.login_limiter.check(*keys)
        services.login_limiter.hit(*keys)
        check_timezone(data.timezone)
        password_hash = await hash_password(data.password)
        agent = request.headers.get("user-agent", "")
        secret, account = await services.db.write(
            _register, data, password_hash, agent, services.clock()
        )
        return with_session_cookie(
            Response(account, status_code=HTTP_201_CREATED), secret, services.settings
        )

    @get("/", summary="The logged-in account")
    async def show(self, user: NamedDependency[User]) -> Account:
        return account_of(user)

    @patch(
        "/",
        summary="Change display name, time zone, baseline date, clinic phone or patient reference",
    )
    async def update(
        self,
        data: JSONBody[AccountPatch],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> Account:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "timezone" in changes:
            check_timezone(changes["timezone"])
        if changes.get("baseline_date") is not None:
            changes["baseline_date"] = changes["baseline_date"].isoformat()
        for name in ("clinic_phone", "patient_reference"):
            if name in changes:
                changes[name] = changes[name].strip()
        await services.db.write(_patch, user.id, changes)
        services.session_cache.forget_user(user.id)
        merged = msgspec.structs.replace(
            account_of(user),
            **{
                k: v if k != "baseline_date" or v is None else date.fromisoformat(v)
                for k, v in changes.items()
            },
        )
        return merged

    @post("/password", status_code=HTTP_204_NO_CONTENT, summary="Change password")
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> None:
        stored = await services.db.read(_password_hash, user.id)
        if not await check_password(stored, data.current_password):
            raise field_error("current_password", "The current password is not right.")
        new_hash = await hash_password(data.new_password)
        await services.db.write(_set_password, user, new_hash, data.end_other_sessions)
        services.session_cache.forget_user(user.id)

    @get("/sessions", summary="Devices logged in to this account")
    async def list_sessions(
        self,
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> list[SessionInfo]:
        return await services.db.read(_sessions, user)

    @delete("/sessions/{session_id:str}", summary="Log out one device")
    async def end_session(
        self,
        session_id: FromPath[str],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> None:
        if not await services.db.write(_end_session, user.id, session_id):
            raise not_found("session")
        services.session_cache.forget_user(user.id)

    @delete(
        "/",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete the account and all its data",
        response_cookies=CLEARED_SESSION_COOKIES,
    )
    async def delete_account(
        self,
        data: JSONBody[AccountDeletion],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> None:
        stored = await services.db.read(_password_hash, user.id)
        if not await check_password(stored, data.password):
            raise field_error("password", "The password is not right.")
        await services.db.write(_delete_account, user.id)
        services.session_cache.forget_user(user.id)


class SessionController(Controller):
    path = "/api/session"
    tags = ["account"]

    @post("/", status_code=HTTP_200_OK, summary="Log in")
    async def log_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LogIn],
        services: NamedDependency[Services],
    ) -> Response[Account]:
        keys = (client_key(request), "user:" + data.username.lower())
        services.login_limiter.check(*keys)
        row = await services.db.read(_account_row, data.username)
        if not await check_password(row[2] if row else None, data.password) or row is None:
            services.login_limiter.hit(*keys)
            raise NotAuthorizedException(WRONG_LOGIN)
        user_id, username, password_hash, display_name, timezone, baseline, created = row[:7]
        new_hash = await hash_password(data.password) if needs_rehash(password_hash) else None
        agent = request.headers.get("user-agent", "")
        secret = await services.db.write(
            _log_in, user_id, new_hash, agent, services.clock().timestamp(), services.settings
        )
        account = Account(
            username=username,
            display_name=display_name,
            timezone=timezone,
            baseline_date=date.fromisoformat(baseline) if baseline else None,
            created_at=created,
            clinic_phone=row[7],
            patient_reference=row[8],
        )
        return with_session_cookie(Response(account), secret, services.settings)

    @delete(
        "/",
        status_code=HTTP_204_NO_CONTENT,
        summary="Log out",
        response_cookies=CLEARED_SESSION_COOKIES,
    )
    async def log_out(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[User],
        services: NamedDependency[Services],
    ) -> None:
        await end_current_session(request, services.db, cookie_name(services.settings))
        services.session_cache.forget_user(user.id)
