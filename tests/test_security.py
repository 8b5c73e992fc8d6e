"""Protection basics: headers, cross-site writes, body size, hosts, and nothing private in logs."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from tests.helpers import ENTRY, PASSWORD, TREATMENT, new_id, register

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]


async def test_security_headers_on_every_response(alice: Client) -> None:
    for response in (
        await alice.get("/healthz"),
        await alice.get("/api/entries"),
        await alice.get("/api/nothing-here"),
    ):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in response.headers
    assert (await alice.get("/api/entries")).headers["cache-control"] == "no-store"


async def test_https_deployment_sends_hsts_and_host_cookie(tmp_path: object) -> None:
    settings = Settings(db_path=tmp_path / "w.sqlite3", https=True)  # type: ignore[operator]
    async with AsyncTestClient(app=create_app(settings), base_url="https://testserver.local") as c:
        response = await c.post("/api/account", json={"username": "ana", "password": PASSWORD})
        assert "max-age" in response.headers["strict-transport-security"]
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-waypoint=")
        assert "Secure" in cookie


async def test_cross_site_writes_are_refused(alice: Client) -> None:
    url = f"/api/entries/{new_id()}"
    cross = await alice.put(url, json=ENTRY, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    evil_origin = await alice.put(url, json=ENTRY, headers={"Origin": "https://evil.example"})
    assert evil_origin.status_code == 403
    assert (await alice.get(url)).status_code == 404  # nothing was written
    same = await alice.put(
        url,
        json=ENTRY,
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver.local"},
    )
    assert same.status_code == 201
    # Reads are not blocked: a cross-site GET cannot read the answer anyway (no CORS).
    assert (await alice.get(url, headers={"Sec-Fetch-Site": "cross-site"})).status_code == 200


async def test_request_body_limit(settings: Settings) -> None:
    small = Settings(db_path=settings.db_path, max_body_bytes=4096)
    async with AsyncTestClient(app=create_app(small)) as client:
        await register(client, "ana")
        response = await client.put(f"/api/entries/{new_id()}", json={**ENTRY, "note": "x" * 8000})
        assert response.status_code == 413


async def test_allowed_hosts(settings: Settings) -> None:
    strict = Settings(db_path=settings.db_path, allowed_hosts=("waypoint.example",))
    async with AsyncTestClient(app=create_app(strict)) as client:
        assert (await client.get("/healthz")).status_code == 400
        ok = await client.get("/healthz", headers={"Host": "waypoint.example"})
        assert ok.status_code == 200


async def test_validation_errors_never_echo_private_text(alice: Client) -> None:
    secret = "PRIVATE-NOTE-TEXT"
    response = await alice.put(
        f"/api/entries/{new_id()}", json={**ENTRY, "mood": 99, "note": secret}
    )
    assert response.status_code == 400
    assert secret not in response.text


async def test_no_journal_text_password_or_token_in_logs(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    canaries = {
        "note": "CANARY-NOTE-91c2",
        "password": "CANARY-PASSWORD-5d1e",
        "treatment": "CANARY-TREATMENT-ab77",
        "tag": "CANARY-TAG-3e",
    }
    with caplog.at_level(logging.DEBUG):
        await client.post(
            "/api/account", json={"username": "ana", "password": canaries["password"]}
        )
        token = client.cookies.get("waypoint_session")
        await client.put(
            f"/api/entries/{new_id()}",
            json={**ENTRY, "note": canaries["note"], "tags": [canaries["tag"]]},
        )
        await client.put(
            f"/api/entries/{new_id()}", json={**ENTRY, "mood": 42, "note": canaries["note"]}
        )
        await client.put(
            f"/api/treatments/{new_id()}", json={**TREATMENT, "notes": canaries["treatment"]}
        )
        await client.post(
            "/api/session", json={"username": "ana", "password": "wrong-" + canaries["password"]}
        )
        await client.get("/api/changes")
    logged = "\n".join(record.getMessage() + str(record.exc_info) for record in caplog.records)
    assert caplog.records, "expected some log output to inspect"
    for canary in [*canaries.values(), token]:
        assert canary
        assert canary not in logged


async def test_openapi_documents_routes_and_constraints(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/entries/{record_id}",
        "/api/treatments/{record_id}",
        "/api/changes",
        "/api/account",
        "/api/session",
        "/api/trends",
        "/api/assessments/{record_id}",
    ):
        assert path in paths, path
    entry = schema["components"]["schemas"]["EntryPut"]["properties"]["mood"]
    assert entry["minimum"] == 0
    assert entry["maximum"] == 10


async def test_healthz(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
