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

from api.domain.accounts import Account, User, account_of, check_timezone
from api.domain.errors import InvalidField, NotFound
from api.domain.passwords import check_password, hash_password, needs_rehash
from api.security import (
    CLEARED_SESSION_COOKIES,
    cookie_name,
    end_current_session,
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
DisplayName = Annotated[str, msgspec.Meta(max_length=80)]
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


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: AnyPassword
    new_password: Password
    end_other_sessions: bool = False


class AccountDeletion(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    password: AnyPassword


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
        app_state.login_limiter.check(*keys)
        app_state.login_limiter.hit(*keys)
        check_timezone(data.timezone)
        password_hash = await hash_password(data.password)
        agent = request.headers.get("user-agent", "")
        secret, account = await app_state.db.write(
            users.register, app_state.db.keyring, data, password_hash, agent, app_state.clock()
        )
        return with_session_cookie(
            Response(account, status_code=HTTP_201_CREATED), secret, app_state.settings
        )

    @get("/", summary="The logged-in account")
    async def show(self, user: NamedDependency[User]) -> Account:
        return account_of(user)

    @patch("/", summary="Change display name, time zone or baseline date")
    async def update(
        self,
        data: JSONBody[AccountPatch],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> Account:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "timezone" in changes:
            check_timezone(changes["timezone"])
        if changes.get("baseline_date") is not None:
            changes["baseline_date"] = changes["baseline_date"].isoformat()
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
        stored = await app_state.db.read(users.password_hash_of, user.id)
        if not await check_password(stored, data.current_password):
            raise InvalidField("current_password", "The current password is not right.")
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
        stored = await app_state.db.read(users.password_hash_of, user.id)
        if not await check_password(stored, data.password):
            raise InvalidField("password", "The password is not right.")
        await users.erase_account(app_state.db, user.id)
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
        keys = (client_key(request), "user:" + data.username.lower())
        app_state.login_limiter.check(*keys)
        row = await app_state.db.read(users.account_row, data.username)
        if not await check_password(row[2] if row else None, data.password) or row is None:
            app_state.login_limiter.hit(*keys)
            raise NotAuthorizedException(WRONG_LOGIN)
        user_id, username, password_hash, display_name, timezone, baseline, created = row
        new_hash = await hash_password(data.password) if needs_rehash(password_hash) else None
        agent = request.headers.get("user-agent", "")
        secret = await app_state.db.write(
            users.log_in,
            user_id,
            new_hash,
            agent,
            app_state.clock().timestamp(),
            app_state.settings,
        )
        account = Account(
            username=username,
            display_name=display_name,
            timezone=timezone,
            baseline_date=date.fromisoformat(baseline) if baseline else None,
            created_at=created,
        )
        return with_session_cookie(Response(account), secret, app_state.settings)

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
