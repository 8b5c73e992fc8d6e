"""Every route that touches personal data checks the owner.

The test walks the app's own route table, so a route added later without a session check, or one
that serves another user's record, fails here until it is listed and behaves.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import ENTRY, PASSWORD, PUBLIC_ROUTES, TREATMENT, api_routes, new_id

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
CANARY = "CANARY-alice-private-7f3a"

PHQ9 = {"instrument": "phq9", "answers": [1] * 9, "taken_at": "2026-11-19T20:00:00-05:00"}
BODIES: dict[str, Any] = {
    "/api/entries": ENTRY,
    "/api/treatments": TREATMENT,
    "/api/assessments": PHQ9,
    "/api/account/password": {"current_password": PASSWORD, "new_password": "another secret"},
    "/api/account": {"password": PASSWORD},
    "/api/shares": {"audience": "family", "guides": [], "include_schedule": True},
    "/api/calendar-links": {"audience": "family"},
}


def body_for(path: str) -> Any:
    for prefix, body in sorted(BODIES.items(), key=lambda item: -len(item[0])):
        if path.startswith(prefix):
            return body
    return None


async def alice_objects(alice: Client) -> dict[str, str]:
    """One object of each kind owned by alice, keyed by the collection path."""
    objects = {"/api/entries": new_id(), "/api/treatments": new_id(), "/api/assessments": new_id()}
    await alice.put(f"/api/entries/{objects['/api/entries']}", json={**ENTRY, "note": CANARY})
    await alice.put(
        f"/api/treatments/{objects['/api/treatments']}", json={**TREATMENT, "notes": CANARY}
    )
    await alice.put(f"/api/assessments/{objects['/api/assessments']}", json=PHQ9)
    sessions = (await alice.get("/api/account/sessions")).json()
    objects["/api/account/sessions"] = sessions[0]["id"]
    share = await alice.post(
        "/api/shares",
        json={"audience": "family", "guides": [], "include_schedule": True, "label": CANARY},
    )
    if share.status_code == 201:
        objects["/api/shares"] = share.json()["id"]
    link = await alice.post("/api/calendar-links", json={"label": CANARY})
    if link.status_code == 201:
        objects["/api/calendar-links"] = link.json()["id"]
    return objects


def fill(path: str, objects: dict[str, str]) -> str:
    collection = re.sub(r"/\{[^}]+\}.*$", "", path)
    assert collection in objects, f"isolation test: no owned object for {path}; add one"
    return re.sub(r"\{[^}]+\}", objects[collection], path)


def test_every_public_route_exists(app: Litestar) -> None:
    """A route renamed or removed must leave the public list too, or it would excuse nothing."""
    assert sorted(PUBLIC_ROUTES - set(api_routes(app))) == []


async def test_every_private_route_needs_a_session(app: Litestar, client: Client) -> None:
    routes = api_routes(app)
    assert len(routes) > 15
    objects = {
        "/api/entries": new_id(),
        "/api/treatments": new_id(),
        "/api/assessments": new_id(),
        "/api/account/sessions": "x",
        "/api/shares": "x",
        "/api/calendar-links": "x",
    }
    for method, path in routes:
        if (method, path) in PUBLIC_ROUTES:
            continue
        url = fill(path, objects) if "{" in path else path
        response = await client.request(method, url, json=body_for(path))
        assert response.status_code == 401, (method, path, response.status_code)


def answer(response: Any, *ids: str) -> tuple[int, str]:
    """What a caller can observe, with the ids it chose and the server's clock taken out."""
    text = re.sub(r'"updated_at":"[^"]*"', '"updated_at":""', response.text)
    for each in ids:
        text = text.replace(each, "<id>")
    return response.status_code, text


async def test_another_users_id_answers_exactly_like_a_fresh_id(
    app: Litestar, alice: Client, bob: Client
) -> None:
    """Record ids are scoped to their owner: bob's PUT of alice's id makes bob's own record,
    and nothing bob sees depends on whether alice holds that id."""
    objects = await alice_objects(alice)
    before = {
        path: (await alice.get(f"{path}/{oid}")).json()
        for path, oid in objects.items()
        if path in BODIES and path not in ("/api/shares", "/api/calendar-links")
    }
    for method, path in api_routes(app):
        if (method, path) in PUBLIC_ROUTES or "{" not in path:
            continue
        collection = re.sub(r"/\{[^}]+\}.*$", "", path)
        fresh = new_id() if collection in before else "x" + new_id()
        theirs = await bob.request(method, fill(path, objects), json=body_for(path))
        unused = await bob.request(
            method, fill(path, {**objects, collection: fresh}), json=body_for(path)
        )
        assert answer(theirs, objects[collection]) == answer(unused, fresh), (method, path)
        assert CANARY not in theirs.text
    for path, copy in before.items():
        assert (await alice.get(f"{path}/{objects[path]}")).json() == copy
    assert len((await alice.get("/api/account/sessions")).json()) == 1
    if "/api/shares" in objects:
        assert [s["id"] for s in (await alice.get("/api/shares")).json()] == [
            objects["/api/shares"]
        ]


async def test_collections_show_only_your_own(app: Litestar, alice: Client, bob: Client) -> None:
    objects = await alice_objects(alice)
    for method, path in api_routes(app):
        if method != "GET" or (method, path) in PUBLIC_ROUTES or "{" in path:
            continue
        response = await bob.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert CANARY not in response.text, path
        for oid in objects.values():
            assert oid not in response.text, path


async def test_change_numbers_say_nothing_of_another_users_writes(
    alice: Client, bob: Client
) -> None:
    """A change number counts the owner's own changes only: with one sequence for everyone, the
    gap between two of Bob's numbers counted Alice's writes in between (when she journals)."""

    async def bobs_numbers() -> list[int]:
        page = (await bob.get("/api/changes", params={"since": 0})).json()
        return [change["seq"] for change in page["changes"]]

    assert (await bob.put(f"/api/entries/{new_id()}", json=ENTRY)).status_code == 201
    for _ in range(3):
        assert (await alice.put(f"/api/entries/{new_id()}", json=ENTRY)).status_code == 201
    assert (await alice.delete(f"/api/entries/{new_id()}")).status_code == 404
    assert (await bob.put(f"/api/entries/{new_id()}", json=ENTRY)).status_code == 201
    first, second = await bobs_numbers()
    assert second == first + 1
