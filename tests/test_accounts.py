"""Accounts and sessions, through HTTP on a real database file."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from tests.helpers import ENTRY, PASSWORD, new_id, register, rows_left, use_session

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]


async def test_register_logs_in_and_shows_account(client: Client) -> None:
    body = await register(client, "ana", timezone="Europe/Paris", display_name="Ana")
    assert body["username"] == "ana"
    assert body["timezone"] == "Europe/Paris"
    cookie = client.cookies.get("waypoint_session")
    assert cookie
    assert len(cookie) >= 22  # >= 128 bits, url-safe base64
    me = await client.get("/api/account")
    assert me.status_code == 200
    assert me.json()["display_name"] == "Ana"


async def test_session_cookie_flags(client: Client) -> None:
    response = await client.post("/api/account", json={"username": "ana", "password": PASSWORD})
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header
    assert "samesite=strict" in header
    assert "path=/" in header


async def test_register_validation_names_the_field(client: Client) -> None:
    short = await client.post("/api/account", json={"username": "ana", "password": "short"})
    assert short.status_code == 400
    assert short.json()["extra"][0]["key"] == "password"
    bad_tz = await client.post(
        "/api/account", json={"username": "ana", "password": PASSWORD, "timezone": "Mars/Base"}
    )
    assert bad_tz.status_code == 400
    assert bad_tz.json()["extra"][0]["key"] == "timezone"
    bad_name = await client.post("/api/account", json={"username": "a b", "password": PASSWORD})
    assert bad_name.status_code == 400
    assert bad_name.json()["extra"][0]["key"] == "username"


async def test_duplicate_username_is_409(client: Client, other: Client) -> None:
    await register(client, "ana")
    again = await other.post("/api/account", json={"username": "ANA", "password": PASSWORD})
    assert again.status_code == 409


async def test_long_passwords_are_not_truncated(client: Client, other: Client) -> None:
    long_password = "x" * 100 + "tail-A"
    await client.post("/api/account", json={"username": "ana", "password": long_password})
    wrong_tail = await other.post(
        "/api/session", json={"username": "ana", "password": "x" * 100 + "tail-B"}
    )
    assert wrong_tail.status_code == 401
    right = await other.post("/api/session", json={"username": "ana", "password": long_password})
    assert right.status_code == 200


@pytest.mark.usefixtures("alice")  # the account whose password is wrong
async def test_unknown_user_and_wrong_password_look_the_same(other: Client) -> None:
    unknown = await other.post("/api/session", json={"username": "nobody", "password": PASSWORD})
    wrong = await other.post("/api/session", json={"username": "alice", "password": "nope-nope"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


async def test_each_login_issues_a_new_session_id(alice: Client, other: Client) -> None:
    first = alice.cookies.get("waypoint_session")
    # A client that arrives with an old cookie still gets a fresh one (no fixation).
    use_session(other, first)
    response = await other.post("/api/session", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    second = other.cookies.get("waypoint_session")
    assert second
    assert second != first


async def test_logout_kills_the_old_id(alice: Client, other: Client) -> None:
    cookie = alice.cookies.get("waypoint_session")
    assert (await alice.delete("/api/session")).status_code == 204
    use_session(other, cookie)
    assert (await other.get("/api/account")).status_code == 401


async def test_password_change_can_end_other_sessions(alice: Client, other: Client) -> None:
    await other.post("/api/session", json={"username": "alice", "password": PASSWORD})
    sessions = (await alice.get("/api/account/sessions")).json()
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    wrong = await alice.post(
        "/api/account/password",
        json={"current_password": "wrong-pass", "new_password": "a new passphrase"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["extra"][0]["key"] == "current_password"
    changed = await alice.post(
        "/api/account/password",
        json={
            "current_password": PASSWORD,
            "new_password": "a new passphrase",
            "end_other_sessions": True,
        },
    )
    assert changed.status_code == 204
    assert (await other.get("/api/account")).status_code == 401
    assert (await alice.get("/api/account")).status_code == 200
    relog = await other.post(
        "/api/session", json={"username": "alice", "password": "a new passphrase"}
    )
    assert relog.status_code == 200


async def test_end_one_session(alice: Client, other: Client) -> None:
    await other.post("/api/session", json={"username": "alice", "password": PASSWORD})
    sessions = (await alice.get("/api/account/sessions")).json()
    theirs = next(s["id"] for s in sessions if not s["current"])
    assert (await alice.delete(f"/api/account/sessions/{theirs}")).status_code == 204
    assert (await other.get("/api/account")).status_code == 401
    assert (await alice.delete(f"/api/account/sessions/{theirs}")).status_code == 404


async def test_patch_account(alice: Client) -> None:
    patched = await alice.patch(
        "/api/account", json={"display_name": "Alice B", "baseline_date": "2026-10-01"}
    )
    assert patched.status_code == 200
    assert patched.json()["display_name"] == "Alice B"
    assert patched.json()["baseline_date"] == "2026-10-01"
    assert (await alice.get("/api/account")).json()["timezone"] == "America/New_York"
    bad = await alice.patch("/api/account", json={"timezone": "Nowhere/Land"})
    assert bad.status_code == 400
    assert bad.json()["extra"][0]["key"] == "timezone"
    unknown = await alice.patch("/api/account", json={"admin": True})
    assert unknown.status_code == 400


async def test_login_is_rate_limited(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client, "ana")
        client.cookies.clear()  # a browser that has never logged in (no device cookie)
        statuses = []
        for _ in range(settings.login_attempts + 1):
            response = await client.post(
                "/api/session", json={"username": "ana", "password": "wrong-password"}
            )
            statuses.append(response.status_code)
        assert statuses[-1] == 429
        assert set(statuses[:-1]) == {401}
        assert int(response.headers["retry-after"]) >= 1
        # The right password is refused too while the limit lasts.
        blocked = await client.post("/api/session", json={"username": "ana", "password": PASSWORD})
        assert blocked.status_code == 429


async def test_delete_account_removes_every_row(
    alice: Client, bob: Client, settings: Settings
) -> None:
    await alice.put(f"/api/entries/{new_id()}", json=ENTRY)
    await bob.put(f"/api/entries/{new_id()}", json=ENTRY)
    wrong = await alice.request("DELETE", "/api/account", json={"password": "wrong-pass"})
    assert wrong.status_code == 400
    gone = await alice.request("DELETE", "/api/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    assert (await alice.get("/api/account")).status_code == 401
    if settings.database_url:
        listing = (
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'user_id'"
        )
    else:
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%user_id%'"
    tables = [r[0] for r in rows_left(settings, listing)]
    assert {"sessions", "records", "shares"} <= set(tables)
    for table in tables:
        left = rows_left(
            settings,
            f"SELECT COUNT(*) FROM {table} WHERE user_id NOT IN (SELECT id FROM users)",  # noqa: S608
        )
        assert left[0][0] == 0, table
    assert rows_left(settings, "SELECT COUNT(*) FROM users")[0][0] == 1
    assert rows_left(settings, "SELECT COUNT(*) FROM records")[0][0] == 1


async def test_data_and_sessions_survive_a_restart(settings: Settings) -> None:
    record_id = new_id()
    async with AsyncTestClient(app=create_app(settings)) as first:
        await register(first, "ana")
        assert (await first.put(f"/api/entries/{record_id}", json=ENTRY)).status_code == 201
        cookie = first.cookies.get("waypoint_session")
    async with AsyncTestClient(app=create_app(settings)) as second:
        use_session(second, cookie)
        response = await second.get(f"/api/entries/{record_id}")
        assert response.status_code == 200
    assert response.json()["note"] == ENTRY["note"]


async def test_text_with_a_nul_is_refused_naming_the_field(client: Client) -> None:
    """PostgreSQL cannot store NUL in text: refused on both engines, never a 500."""
    refused = await client.post(
        "/api/account", json={"username": "nul", "password": PASSWORD, "display_name": "a\x00b"}
    )
    assert refused.status_code == 400
    assert refused.json()["extra"][0]["key"] == "display_name"
    login = await client.post("/api/session", json={"username": "a\x00", "password": PASSWORD})
    assert login.status_code == 400
    assert login.json()["extra"][0]["key"] == "username"
    await register(client, "nul")
    patched = await client.patch("/api/account", json={"display_name": "\x00"})
    assert patched.status_code == 400
    assert "display_name" in patched.text
    share = await client.post(
        "/api/shares", json={"audience": "family", "include_schedule": True, "label": "x\x00"}
    )
    assert share.status_code == 400
    assert "label" in share.text
