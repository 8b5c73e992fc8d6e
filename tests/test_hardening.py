"""Regression tests for the adversarial review (issue 11): each failed on the code before it."""

from __future__ import annotations

import asyncio
import gc
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.domain.ratelimit import RateLimiter
from api.settings import Settings
from api.store.sessions import SessionCache
from tests.helpers import ENTRY, PASSWORD, TREATMENT, new_id
from tests.server import ServerProcess

Client = AsyncTestClient[Litestar]
CANARY = "CANARY9f2e"
EDGES = [date(1899, 12, 31), date(1900, 1, 1), date(2100, 12, 31), date(2101, 1, 1)]
DAYLIO_HEADER = "full_date,date,weekday,time,mood,activities,note_title,note\n"


def inside(day: date) -> bool:
    return date(1900, 1, 1) <= day <= date(2100, 12, 31)


# --- dates are bounded everywhere, so nothing stored can break trends, the PDF or a link ------


async def test_record_dates_outside_1900_to_2100_are_refused_with_the_field(alice: Client) -> None:
    def at(day: date) -> str:
        return f"{day.isoformat()}T10:00:00+00:00"

    low, first, last, high = EDGES
    # Check-ins and questionnaires cannot be in the future anyway: only the lower edge is theirs.
    for day, status in ((low, 400), (first, 201)):
        entry = await alice.put(f"/api/entries/{new_id()}", json={**ENTRY, "day": day.isoformat()})
        answers = {"instrument": "gad7", "answers": [0] * 7, "taken_at": at(day)}
        assessment = await alice.put(f"/api/assessments/{new_id()}", json=answers)
        for response, field in ((entry, "day"), (assessment, "taken_at")):
            assert response.status_code == status, (day, field, response.text)
            if status == 400:
                assert response.json()["extra"][0]["key"] == field
    for day, status in ((low, 400), (first, 201), (last, 201), (high, 400)):
        planned = {**TREATMENT, "at": at(day), "status": "planned"}
        response = await alice.put(f"/api/treatments/{new_id()}", json=planned)
        assert response.status_code == status, (day, response.text)
        if status == 400:
            assert response.json()["extra"][0]["key"] == "at"
    assert (await alice.get("/api/trends?from=1900-01-01&to=1900-03-01")).status_code == 200
    pdf = await alice.get("/api/export/report.pdf?from=2100-10-01&to=2100-12-31")
    assert pdf.status_code == 200


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30)))
async def test_every_date_parameter_answers_400_or_200_never_500(alice: Client, day: date) -> None:
    text = day.isoformat()
    routes = [
        ("GET", f"/api/trends?from={text}"),
        ("GET", f"/api/trends?to={text}"),
        ("GET", f"/api/entries?from={text}&to={text}"),
        ("GET", f"/api/treatments?to={text}"),
        ("GET", f"/api/export/entries.csv?from={text}"),
        ("GET", f"/api/export/report.pdf?to={text}"),
        ("GET", f"/api/export/fhir?from={text}"),
    ]
    for method, url in routes:
        response = await alice.request(method, url)
        assert response.status_code in (200, 400), (url, response.status_code)
        if response.status_code == 400:
            assert response.json()["extra"][0]["key"] in ("from", "to"), url
    baseline = await alice.patch("/api/account", json={"baseline_date": text})
    assert baseline.status_code == (200 if inside(day) else 400)
    assert (await alice.get("/api/trends")).status_code == 200
    share = await alice.post(
        "/api/shares", json={"audience": "clinician", "from": text, "to": "2026-11-01"}
    )
    assert share.status_code in (201, 400)
    await alice.patch("/api/account", json={"baseline_date": None})


# --- hostile bodies get 4xx --------------------------------------------------------------------


async def test_deeply_nested_json_is_a_400(alice: Client) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    response = await alice.put(
        f"/api/entries/{new_id()}", content=nested, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


async def test_a_daylio_cell_over_the_csv_limit_is_a_400_naming_the_line(alice: Client) -> None:
    rows = "2026-01-01,x,y,10:00,good,,,ok\n" + "2026-01-02,x,y,10:00,good,,," + "a" * 200_000
    response = await alice.post(
        "/api/import/daylio",
        content=DAYLIO_HEADER + rows + "\n",
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 400
    assert response.json()["extra"][0]["line"] == 3
    assert (await alice.get("/api/entries")).json() == []  # nothing from the file


async def test_a_json_route_refuses_another_content_type(alice: Client) -> None:
    body = msgspec.json.encode(ENTRY)
    for media_type in ("text/plain", "application/x-www-form-urlencoded", "text/csv"):
        response = await alice.put(
            f"/api/entries/{new_id()}", content=body, headers={"content-type": media_type}
        )
        assert response.status_code == 415, media_type
    ok = await alice.put(
        f"/api/entries/{new_id()}",
        content=body,
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201
    assert (await alice.get("/api/entries")).json()[0]["id"] == ok.json()["id"]


async def test_no_error_repeats_the_submitted_value(alice: Client) -> None:
    attempts = [
        alice.put(f"/api/treatments/{new_id()}", json={**TREATMENT, "kind": CANARY}),
        alice.put(f"/api/treatments/{new_id()}", json={**TREATMENT, "status": CANARY}),
        alice.patch("/api/account", json={"timezone": CANARY}),
        alice.get(f"/api/guides/search?q={CANARY * 40}"),
        alice.get(f"/api/assessments?instrument={CANARY}"),
        alice.get(f"/api/treatments?status={CANARY}"),
        alice.get(f"/api/entries?from={CANARY}"),
        alice.put(f"/api/entries/{new_id()}", json={**ENTRY, "mood": CANARY}),
    ]
    for attempt in attempts:
        response = await attempt
        assert 400 <= response.status_code < 500
        assert CANARY not in response.text
        assert response.json()["extra"][0]["key"]  # the field is named


# --- origins and methods ---------------------------------------------------------------------


async def test_the_origin_must_match_base_url_when_one_is_set(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "w.sqlite3", base_url="https://waypoint.example.org")
    async with AsyncTestClient(app=create_app(settings)) as client:
        body = {"username": "sam", "password": "a long passphrase"}
        for origin in ("http://waypoint.example.org", "https://waypoint.example.org:8443"):
            refused = await client.post("/api/account", json=body, headers={"origin": origin})
            assert refused.status_code == 403, origin
        same = {"origin": "https://waypoint.example.org", "sec-fetch-site": "same-origin"}
        assert (await client.post("/api/account", json=body, headers=same)).status_code == 201


def get_routes(app: Litestar) -> list[str]:
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods and "{" not in route.path
    )


async def test_head_works_on_every_get_route(app: Litestar, alice: Client) -> None:
    paths = get_routes(app)
    assert "/api/entries" in paths
    assert "/healthz" in paths
    for path in paths:
        get, head = await alice.get(path), await alice.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path


# --- bounded memory --------------------------------------------------------------------------


def test_the_rate_limiter_forgets_expired_keys() -> None:
    now = [0.0]
    limiter = RateLimiter(attempts=3, window_seconds=60, clock=lambda: now[0])
    for address in range(5000):
        limiter.hit(f"client:{address}")
    assert limiter.size() == 5000
    now[0] = 61.0
    limiter.hit("client:late")
    assert limiter.size() == 1  # every expired key went at the next sweep


def test_the_rate_limiter_still_limits_after_a_sweep() -> None:
    now = [0.0]
    limiter = RateLimiter(attempts=2, window_seconds=60, clock=lambda: now[0])
    limiter.hit("a")
    limiter.hit("a")
    now[0] = 30.0
    limiter.hit("b")
    errors: list[Any] = []
    try:
        limiter.check("a")
    except Exception as exc:  # the limiter's domain error
        errors.append(exc)
    assert len(errors) == 1
    assert re.search("Too many", str(errors[0]))
    now[0] += timedelta(seconds=31).total_seconds()
    limiter.check("a")  # the window has passed


# --- the port is ours or we stop -------------------------------------------------------------


def test_a_second_server_on_a_taken_port_exits_with_a_clear_message(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "one.sqlite3") as first:
        port = first.url.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "api", "serve", "--port", port, "--db", str(tmp_path / "2.db")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode != 0
        assert f"Cannot listen on 127.0.0.1:{port}" in second.stderr
        assert httpx.get(first.url + "/healthz").status_code == 200


# --- sessions end at once --------------------------------------------------------------------


async def test_ending_a_session_while_it_is_in_use_always_wins(tmp_path: Path) -> None:
    """Another device's request in flight when its session is ended must not put the session
    back in the cache (it would keep working for the cache's 30 seconds)."""
    now = [datetime(2026, 11, 20, 12, 0, tzinfo=UTC)]
    app = create_app(Settings(db_path=tmp_path / "w.sqlite3"), clock=lambda: now[0])
    account = {"username": "sam", "password": "a long passphrase"}
    async with AsyncTestClient(app=app) as client:
        assert (await client.post("/api/account", json=account)).status_code == 201
        for _ in range(10):
            devices = []
            for _ in range(2):
                client.cookies.clear()
                assert (await client.post("/api/session", json=account)).status_code == 200
                devices.append({"cookie": f"waypoint_session={client.cookies['waypoint_session']}"})
            client.cookies.clear()
            phone, laptop = devices
            sessions = (await client.get("/api/account/sessions", headers=laptop)).json()
            (laptop_id,) = [each["id"] for each in sessions if each["current"]]
            assert (await client.get("/api/account", headers=laptop)).status_code == 200
            now[0] += timedelta(seconds=61)  # the laptop's next request touches its session
            assert (await client.get("/api/account", headers=phone)).status_code == 200
            ended, _ = await asyncio.gather(
                client.delete(f"/api/account/sessions/{laptop_id}", headers=phone),
                client.get("/api/account", headers=laptop),
            )
            assert ended.status_code == 204
            assert (await client.get("/api/account", headers=laptop)).status_code == 401
            await client.delete("/api/session", headers=phone)


def test_a_session_read_before_a_log_out_is_never_cached_after_it() -> None:
    cache = SessionCache()
    row = (0.0, 0.0, "public", 7, "sam", "", "UTC", None, "2026-01-01")
    epoch = cache.epoch  # a request reads (or touches) the session ...
    cache.forget_user(7)  # ... the session ends meanwhile ...
    cache.put(b"digest", row, 1.0, epoch)  # ... and what the request read arrives late
    assert cache.get(b"digest", 1.0) is None
    cache.put(b"digest", row, 1.0, cache.epoch)
    assert cache.get(b"digest", 1.0) == row


# --- no lock-out of the owner; password re-checks throttled ----------------------------------


def test_a_device_that_logged_in_before_is_never_locked_out(tmp_path: Path) -> None:
    """An attacker elsewhere uses up the username's attempts; the owner's phone, which logged in
    before, still logs in; a browser that never did (or forges the cookie) is limited."""
    account = {"username": "sam", "password": "a long passphrase"}
    wrong = {"username": "sam", "password": "not the passphrase"}
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")
    with ServerProcess(tmp_path / "w.sqlite3") as server:
        with httpx.Client(base_url=server.url) as phone:
            assert phone.post("/api/account", json=account).status_code == 201
            assert "waypoint_device" in phone.cookies
            with httpx.Client(base_url=server.url, transport=elsewhere) as attacker:
                answers = {attacker.post("/api/session", json=wrong).status_code for _ in range(12)}
                assert answers == {401, 429}
                assert attacker.post("/api/session", json=account).status_code == 429
            phone.cookies.delete("waypoint_session")
            assert phone.post("/api/session", json=account).status_code == 200
            assert phone.get("/api/account").status_code == 200
        with httpx.Client(base_url=server.url) as new_browser:
            assert new_browser.post("/api/session", json=account).status_code == 429
            new_browser.cookies.set("waypoint_device", "c2FtfGZha2V8MA.c2lnbmF0dXJl")  # forged
            assert new_browser.post("/api/session", json=account).status_code == 429


def test_a_device_cookie_keeps_a_small_limit_of_its_own(tmp_path: Path) -> None:
    account = {"username": "sam", "password": "a long passphrase"}
    with (
        ServerProcess(tmp_path / "w.sqlite3") as server,
        httpx.Client(base_url=server.url) as phone,
    ):
        assert phone.post("/api/account", json=account).status_code == 201
        wrong = {**account, "password": "guessing on a stolen phone"}
        answers = [phone.post("/api/session", json=wrong).status_code for _ in range(6)]
        assert answers == [401] * 5 + [429]


async def test_wrong_current_passwords_are_throttled(alice: Client) -> None:
    change = {"current_password": "not it at all", "new_password": "a new passphrase"}
    answers = [
        (await alice.post("/api/account/password", json=change)).status_code for _ in range(6)
    ]
    assert answers == [400] * 5 + [429]
    limited = await alice.request("DELETE", "/api/account", json={"password": PASSWORD})
    assert limited.status_code == 429  # per account: deletion is throttled too
    assert int(limited.headers["retry-after"]) > 0
    assert (await alice.get("/api/account")).status_code == 200  # nothing was deleted


async def test_every_route_with_a_json_body_refuses_another_content_type(
    app: Litestar, alice: Client
) -> None:
    """Walks the OpenAPI document: a route that reads its JSON body itself (the archive import)
    is held to the same rule as one whose body Litestar decodes."""
    schema = app.openapi_schema.to_schema()
    checked = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            url = re.sub(r"\{[^}]+\}", new_id(), path)
            response = await alice.request(
                method.upper(), url, content=b"{}", headers={"content-type": "text/plain"}
            )
            assert response.status_code == 415, (method, path, response.text)
            checked.append(path)
    assert "/api/import/archive" in checked


async def test_an_archive_of_tiny_elements_stops_at_the_first_one(alice: Client) -> None:
    """Raw records cost ~56 bytes each however small, so ``[1,1,1,...]`` is refused by its first
    element before any list of them is built (see ``ArchiveHeads``)."""
    for element in (b"1", b"{}", b'{"id":"short"}'):
        body = (
            b'{"format":"waypoint-archive","version":1,"entries":['
            + b",".join([element] * 1_000_000)
            + b"]}"
        )
        response = await alice.post(
            "/api/import/archive", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, element
        assert response.json()["extra"][0]["key"].startswith("entries[0]")


async def test_archive_errors_never_repeat_the_submitted_value(alice: Client) -> None:
    canary = "SECRET-CANARY-9"
    bad_records: list[dict[str, Any]] = [
        {"id": new_id(), "day": "2026-06-01", "mood": canary},
        {"id": new_id(), "day": canary, "mood": 5},
        {"id": new_id(), "day": "2026-06-01", "mood": 5, "tags": [canary * 100]},
    ]
    for record in bad_records:
        archive = {"format": "waypoint-archive", "version": 1, "entries": [record]}
        response = await alice.post("/api/import/archive", json=archive)
        assert response.status_code == 400, record
        assert canary not in response.text
    wrong = await alice.post("/api/import/archive", json={"format": canary, "version": 1})
    assert wrong.status_code == 400
    assert canary not in wrong.text


async def test_serving_freezes_what_start_up_loaded_and_puts_the_collector_back(
    settings: Settings,
) -> None:
    before = gc.get_threshold()
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert gc.get_freeze_count() > 10_000  # the guides, their index, the routes
        assert gc.get_threshold()[0] == 10_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
