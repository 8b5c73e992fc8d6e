"""Accounts: register, log in and out, profile, password, sessions, deletion."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from api.domain import device_cookie
from api.domain.accounts import (
    NO_NUL,
    Account,
    ClinicPhone,
    PatientReference,
    User,
    account_of,
    check_timezone,
)
from api.domain.dates import check_day
from api.domain.errors import InvalidField, NotFound
from api.domain.passwords import check_password, hash_password, needs_rehash
from api.security import (
    CLEARED_SESSION_COOKIES,
    DEVICE_COOKIE_DAYS,
    cookie_name,
    device_cookie_name,
    end_current_session,
    with_device_cookie,
    with_session_cookie,
)
from api.state import AppState
from api.store import users
from api.store.users import SessionInfo

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
DisplayName = Annotated[str, msgspec.Meta(max_length=80, pattern=NO_NUL)]
WRONG_LOGIN = "Wrong username or password."


class Register(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password
    timezone: TimeZoneName = "UTC"
    display_name: DisplayName = ""


class LogIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=NO_NUL)]
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


async def recheck_password(app_state: AppState, user: User, password: str, field: str) -> None:
    """The password again, before a change that needs it; wrong ones count per session and per
    account (429 with ``Retry-After`` once used up), so a stolen session cannot guess it."""
    keys = (f"recheck-session:{user.session_id}", f"recheck-user:{user.id}")
    await app_state.recheck_limiter.check(*keys)
    stored = await app_state.db.read(users.password_hash_of, user.id)
    if not await check_password(stored, password):
        await app_state.recheck_limiter.hit(*keys)
        raise InvalidField(field, "The password is not right.")


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
        app_state: NamedDependency[AppState],
    ) -> Response[Account]:
        # Counted apart from log-ins, so signing up never uses up a person's log-in attempts.
        keys = ("register-" + client_key(request), "register-user:" + data.username.lower())
        await app_state.login_limiter.check(*keys)
        await app_state.login_limiter.hit(*keys)
        check_timezone(data.timezone)
        password_hash = await hash_password(data.password)
        agent = request.headers.get("user-agent", "")
        secret, account = await app_state.db.write(
            users.register, app_state.db.keyring, data, password_hash, agent, app_state.clock()
        )
        settings = app_state.settings
        response = with_session_cookie(
            Response(account, status_code=HTTP_201_CREATED), secret, settings
        )
        proof = device_cookie.issue(
            app_state.device_key, data.username, app_state.clock().timestamp()
        )
        return with_device_cookie(response, proof, settings)

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
        app_state: NamedDependency[AppState],
    ) -> Account:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "timezone" in changes:
            check_timezone(changes["timezone"])
        check_day("baseline_date", changes.get("baseline_date"))
        if changes.get("baseline_date") is not None:
            changes["baseline_date"] = changes["baseline_date"].isoformat()
        for name in ("clinic_phone", "patient_reference"):
            if name in changes:
                changes[name] = changes[name].strip()
        await app_state.db.write(users.set_profile, user.id, changes)
        app_state.session_cache.forget_user(user.id)
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
        app_state: NamedDependency[AppState],
    ) -> None:
        await recheck_password(app_state, user, data.current_password, "current_password")
        new_hash = await hash_password(data.new_password)
        await app_state.db.write(users.set_password, user, new_hash, data.end_other_sessions)
        app_state.session_cache.forget_user(user.id)

    @get("/sessions", summary="Devices logged in to this account")
    async def list_sessions(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> list[SessionInfo]:
        return await app_state.db.read(users.sessions_of, user)

    @delete("/sessions/{session_id:str}", summary="Log out one device")
    async def end_session(
        self,
        session_id: FromPath[str],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> None:
        if not await app_state.db.write(users.end_session, user.id, session_id):
            raise NotFound("session")
        app_state.session_cache.forget_user(user.id)

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
        app_state: NamedDependency[AppState],
    ) -> None:
        await recheck_password(app_state, user, data.password, "password")
        await users.erase_account(app_state.db, user.id)  # the data key first, then the rows
        app_state.session_cache.forget_user(user.id)


class SessionController(Controller):
    path = "/api/session"
    tags = ["account"]

    @post("/", status_code=HTTP_200_OK, summary="Log in")
    async def log_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LogIn],
        app_state: NamedDependency[AppState],
    ) -> Response[Account]:
        settings, now = app_state.settings, app_state.clock().timestamp()
        device = device_cookie.verify(
            app_state.device_key,
            request.cookies.get(device_cookie_name(settings)),
            data.username,
            now,
            DEVICE_COOKIE_DAYS * 86400,
        )
        # A device that logged in to this account before is exempt from the per-username limit
        # (that is what let an attacker lock the owner out) and has a small limit of its own.
        limits = [(app_state.login_limiter, client_key(request))]
        if device is None:
            limits.append((app_state.login_limiter, "user:" + data.username.lower()))
        else:
            limits.append((app_state.device_limiter, "device:" + device))
        for limiter, key in limits:
            await limiter.check(key)
        row = await app_state.db.read(users.account_row, data.username)
        if not await check_password(row[2] if row else None, data.password) or row is None:
            for limiter, key in limits:
                await limiter.hit(key)
            raise NotAuthorizedException(WRONG_LOGIN)
        user_id, username, password_hash, display_name, timezone, baseline, created = row[:7]
        new_hash = await hash_password(data.password) if needs_rehash(password_hash) else None
        agent = request.headers.get("user-agent", "")
        secret = await app_state.db.write(
            users.log_in,
            user_id,
            new_hash,
            agent,
            now,
            settings,
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
        response = with_session_cookie(Response(account), secret, settings)
        proof = device_cookie.issue(app_state.device_key, username, now, device)
        return with_device_cookie(response, proof, settings)

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
        app_state: NamedDependency[AppState],
    ) -> None:
        await end_current_session(request, app_state.db, cookie_name(app_state.settings))
        app_state.session_cache.forget_user(user.id)
