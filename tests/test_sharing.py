"""Share links: creation and its checks, the holder's views, expiry, revocation, scope, limits."""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from tests.helpers import (
    FakeClock,
    create,
    empty_pg_database,
    new_id,
    open_link,
    put,
    rows_left,
    same_app,
)

BOTH_ENGINES = True

Client = AsyncTestClient[Litestar]
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 07:00 in New York, alice's zone
ATTEMPTS = 8
BASE_URL = "https://waypoint.example"
GONE = {
    "status_code": 404,
    "detail": "This link is not valid. It may have expired or been cancelled.",
}
FAMILY = {"audience": "family", "guides": ["session-and-after"], "include_schedule": True}
CANARIES = (
    "CANARY-ENTRY-NOTE",
    "CANARY-ENTRY-TAG",
    "CANARY-TREATMENT-NOTES",
    "CANARY-CLINIC",
    "CANARY-SIDE-EFFECT",
)
PRIVATE_KEYS = {
    "note", "notes", "tags", "mood", "anxiety", "dose_mg", "clinic", "side_effects",
    "bp_before", "bp_after", "answers", "total", "band", "difficulty", "status", "id",
}  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> Settings:
    return Settings(
        db_path=tmp_path / "waypoint.sqlite3",
        database_url=empty_pg_database(request.getfixturevalue("postgres"))
        if engine == "postgresql"
        else "",
        guides_dir=PROJECT_DIR / "guides",
        base_url=BASE_URL,
        share_attempts=ATTEMPTS,
        session_idle_minutes=60 * 24 * 365,  # moving the clock must not log anyone out
    )


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
async def other(app: Litestar, client: Client) -> Client:
    return same_app(app, client)


@pytest.fixture
async def holder(app: Litestar, client: Client) -> Client:
    """Someone with a link and nothing else: no account, no cookie."""
    return same_app(app, client)


async def listed(owner: Client, share_id: str) -> dict[str, Any]:
    response = await owner.get("/api/shares")
    assert response.status_code == 200
    found: dict[str, Any] = next(s for s in response.json() if s["id"] == share_id)
    return found


async def add_private_records(owner: Client) -> None:
    """A journal full of canaries around a few planned sessions."""
    entry = {
        "day": "2026-11-20",
        "mood": 4,
        "note": "CANARY-ENTRY-NOTE",
        "tags": ["CANARY-ENTRY-TAG"],
    }
    await put(owner, "entries", entry)
    private = {
        "dose_mg": 35.0,
        "clinic": "CANARY-CLINIC",
        "notes": "CANARY-TREATMENT-NOTES",
        "side_effects": ["CANARY-SIDE-EFFECT"],
        "bp_before": {"systolic": 150, "diastolic": 95},
    }
    treatments = [
        ("2026-11-18T10:00:00-05:00", "iv_infusion", "done"),
        ("2026-11-20T10:00:00-05:00", "iv_infusion", "planned"),  # planned but already past
        ("2026-11-25T09:30:00-05:00", "iv_infusion", "planned"),
        ("2026-11-27T09:30:00-05:00", "iv_infusion", "cancelled"),
        ("2026-12-02T14:00:00+01:00", "esketamine_nasal", "planned"),
    ]
    for at, kind, status in treatments:
        await put(owner, "treatments", {"at": at, "kind": kind, "status": status, **private})
    answers = [3, 3, 3, 2, 2, 2, 1, 1, 1]
    phq9 = {"instrument": "phq9", "answers": answers, "taken_at": "2026-11-19T09:00:00-05:00"}
    await put(owner, "assessments", phq9)


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        if value.get("type") == "crisis":  # a guide's crisis lines: GET /api/crisis, public
            return {"type", "paragraphs", "resources"}
        return set(value).union(*(keys_of(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_of(v) for v in value))
    return set()


# --- creating a link ---------------------------------------------------------------------------


async def test_a_new_link_shows_its_token_once_and_stores_only_its_hash(
    alice: Client, settings: Settings
) -> None:
    created = await create(alice, **FAMILY, label="For Mum")
    token = created["token"]
    assert len(token) >= 43
    assert created["url"] == f"{BASE_URL}/shared#{token}"
    assert created["status"] == "active"
    assert created["opens"] == 0
    assert created["label"] == "For Mum"
    listing = (await alice.get("/api/shares")).text
    assert token not in listing
    assert '"token"' not in listing
    assert "url" not in listing
    (row,) = rows_left(settings, "SELECT * FROM shares")
    assert hashlib.sha256(token.encode()).digest() in row
    assert not any(token in str(value) for value in row)


async def test_defaults_family_30_days_clinician_14_days_and_the_last_90_days(
    alice: Client,
) -> None:
    family = await create(alice, **FAMILY)
    clinician = await create(alice, audience="clinician")
    assert family["expires_at"] == "2026-12-21T12:00:00Z"
    assert (family["from"], family["to"]) == (None, None)
    assert clinician["expires_at"] == "2026-12-05T12:00:00Z"
    assert (clinician["from"], clinician["to"]) == ("2026-08-24", "2026-11-21")  # alice's today


async def test_a_link_may_last_exactly_90_days(alice: Client) -> None:
    latest = (START + timedelta(days=90)).isoformat()
    assert (await create(alice, **FAMILY, expires_at=latest))[
        "expires_at"
    ] == "2027-02-19T12:00:00Z"


SLUG = "session-and-after"
INVALID = [
    ({"audience": "family", "guides": ["no-such-guide"]}, "guides"),
    ({"audience": "family", "guides": [SLUG, "no-such-guide"]}, "guides"),
    ({"audience": "family"}, "guides"),
    ({"audience": "family", "guides": [], "include_schedule": False}, "guides"),
    ({**FAMILY, "expires_at": "2026-11-21T11:59:59Z"}, "expires_at"),
    ({**FAMILY, "expires_at": "2027-02-19T12:00:01Z"}, "expires_at"),
    ({**FAMILY, "expires_at": "2026-12-01T12:00:00"}, "expires_at"),  # no time zone
    ({**FAMILY, "from": "2026-11-01"}, "from"),
    ({"audience": "clinician", "from": "2026-11-10", "to": "2026-11-01"}, "to"),
    ({"audience": "clinician", "from": "1066-10-14", "to": "1066-10-15"}, "from"),
    ({"audience": "clinician", "guides": [SLUG]}, "guides"),
    ({"audience": "clinician", "include_schedule": True}, "include_schedule"),
    ({"audience": "patient", "guides": [SLUG]}, "audience"),
    ({**FAMILY, "label": "x" * 81}, "label"),
    ({**FAMILY, "message": "x" * 501}, "message"),
    ({"audience": "clinician", "message": "Hello"}, "message"),
    ({**FAMILY, "token": "my-own-token"}, None),
]


@pytest.mark.parametrize(("body", "field"), INVALID, ids=range(len(INVALID)))
async def test_invalid_links_are_refused_naming_the_field(
    alice: Client, body: dict[str, Any], field: str | None
) -> None:
    response = await alice.post("/api/shares", json=body)
    assert response.status_code == 400, response.text
    if field is not None:
        assert field in [error["key"] for error in response.json()["extra"]], response.text
    assert (await alice.get("/api/shares")).json() == []


async def test_managing_links_needs_a_log_in(client: Client) -> None:
    assert (await client.post("/api/shares", json=FAMILY)).status_code == 401
    assert (await client.get("/api/shares")).status_code == 401
    assert (await client.delete(f"/api/shares/{new_id()}")).status_code == 401


# --- what a family link shows ------------------------------------------------------------------


async def test_a_family_link_shows_the_guides_and_only_the_upcoming_planned_dates(
    alice: Client, holder: Client
) -> None:
    await add_private_records(alice)
    guides = ["talking-to-family", SLUG, "talking-to-family"]
    created = await create(
        alice, **FAMILY | {"guides": guides}, label="For Sam", message="  Love, Alex  "
    )
    assert created["message"] == "Love, Alex"
    response = await open_link(holder, created["token"])
    assert response.status_code == 200, response.text
    view = response.json()
    # The label is the owner's private name for the link; the holder sees only the message.
    assert view["audience"] == "family"
    assert view["message"] == "Love, Alex"
    assert "label" not in view
    assert "For Sam" not in response.text
    assert view["expires_at"] == "2026-12-21T12:00:00Z"
    assert [g["slug"] for g in view["guides"]] == ["talking-to-family", SLUG]
    assert all(g["blocks"] and g["disclaimer"] for g in view["guides"])
    assert view["schedule"] == [
        {"at": "2026-11-25T09:30:00-05:00", "kind": "iv_infusion"},
        {"at": "2026-12-02T14:00:00+01:00", "kind": "esketamine_nasal"},
    ]


async def test_a_family_link_never_carries_journal_treatment_or_questionnaire_data(
    alice: Client, holder: Client
) -> None:
    await add_private_records(alice)
    created = await create(alice, **FAMILY)
    responses = [
        await open_link(holder, created["token"]),
        await open_link(holder, created["token"], "/api/shared/report.pdf"),
    ]
    assert [r.status_code for r in responses] == [200, 403]
    assert responses[0].json()["schedule"]  # there is something to leak from
    for response in responses:
        for canary in CANARIES:
            assert canary not in response.text
        assert not keys_of(response.json()) & PRIVATE_KEYS
    assert not keys_of(responses[0].json()["schedule"]) - {"at", "kind"}


async def test_a_family_link_without_the_schedule_has_none(alice: Client, holder: Client) -> None:
    await add_private_records(alice)
    created = await create(alice, audience="family", guides=[SLUG])
    assert (await open_link(holder, created["token"])).json()["schedule"] is None


async def test_a_family_link_cannot_fetch_the_report(alice: Client, holder: Client) -> None:
    created = await create(alice, **FAMILY)
    response = await open_link(holder, created["token"], "/api/shared/report.pdf")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")


# --- what a clinician link shows ---------------------------------------------------------------


async def test_a_clinician_link_summarises_only_its_period(alice: Client, holder: Client) -> None:
    await alice.patch("/api/account", json={"display_name": "Alice Example"})
    await put(alice, "entries", {"day": "2026-11-05", "mood": 7, "note": "CANARY-ENTRY-NOTE"})
    await put(alice, "entries", {"day": "2026-11-06", "mood": 6})
    await put(alice, "entries", {"day": "2026-11-20", "mood": 0})  # after the period: flagged
    created = await create(
        alice, audience="clinician", **{"from": "2026-11-01", "to": "2026-11-10"}
    )
    response = await open_link(holder, created["token"])
    assert response.status_code == 200, response.text
    view = response.json()
    assert set(view) == {
        "audience", "patient_name", "patient_reference", "from", "to", "expires_at", "summary",
        "report",
    }  # fmt: skip
    assert view["audience"] == "clinician"
    assert view["patient_name"] == "Alice Example"
    assert (view["from"], view["to"]) == ("2026-11-01", "2026-11-10")
    summary = view["summary"]
    # Check-in days count from the first check-in (2026-11-05), not from the period's start.
    assert summary["days_in_period"] == 6
    assert summary["days_logged"] == 2
    assert summary["crisis_flags"] == 0  # the lowest mood on 2026-11-20 is outside the period
    assert "CANARY-ENTRY-NOTE" not in response.text


async def test_a_clinician_pdf_belongs_to_the_patient_who_shared_it(
    alice: Client, bob: Client, holder: Client
) -> None:
    await alice.patch("/api/account", json={"display_name": "Alice Example"})
    await bob.patch("/api/account", json={"display_name": "Bob Other"})
    for owner, mood in ((alice, 7), (bob, 3)):
        await put(owner, "entries", {"day": "2026-11-20", "mood": mood})
    texts = {}
    for name, owner in (("Alice Example", alice), ("Bob Other", bob)):
        token = (await create(owner, audience="clinician"))["token"]
        response = await open_link(holder, token, "/api/shared/report.pdf")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert "attachment" in response.headers["content-disposition"]
        reader = PdfReader(io.BytesIO(response.content))
        texts[name] = "\n".join(page.extract_text() for page in reader.pages)
    assert "Alice Example" in texts["Alice Example"]
    assert "Bob Other" not in texts["Alice Example"]
    assert "Bob Other" in texts["Bob Other"]
    assert "Alice Example" not in texts["Bob Other"]


# --- expiry, revocation, ownership -------------------------------------------------------------


async def test_a_link_stops_working_when_it_expires(
    alice: Client, holder: Client, clock: FakeClock
) -> None:
    created = await create(alice, **FAMILY)
    clock.advance(days=29, hours=23, minutes=59)
    assert (await open_link(holder, created["token"])).status_code == 200
    clock.advance(minutes=1)
    response = await open_link(holder, created["token"])
    assert (response.status_code, response.json()) == (404, GONE)
    assert (await listed(alice, created["id"]))["status"] == "expired"


async def test_a_revoked_link_stops_working_at_once(alice: Client, holder: Client) -> None:
    created = await create(alice, **FAMILY)
    assert (await open_link(holder, created["token"])).status_code == 200
    assert (await alice.delete(f"/api/shares/{created['id']}")).status_code == 204
    response = await open_link(holder, created["token"])
    assert (response.status_code, response.json()) == (404, GONE)
    share = await listed(alice, created["id"])
    assert share["status"] == "revoked"
    assert share["revoked_at"] == "2026-11-21T12:00:00Z"
    assert (await alice.delete(f"/api/shares/{created['id']}")).status_code == 204  # idempotent


async def test_another_user_can_neither_list_nor_revoke_my_links(
    alice: Client, bob: Client, holder: Client
) -> None:
    created = await create(alice, **FAMILY)
    assert (await bob.get("/api/shares")).json() == []
    response = await bob.delete(f"/api/shares/{created['id']}")
    assert response.status_code == 404
    assert (await bob.delete(f"/api/shares/{new_id()}")).json() == response.json()
    assert (await open_link(holder, created["token"])).status_code == 200
    assert (await listed(alice, created["id"]))["status"] == "active"


async def test_unknown_expired_revoked_and_malformed_links_look_the_same(
    alice: Client, holder: Client, clock: FakeClock
) -> None:
    expired = await create(alice, **FAMILY, expires_at=(START + timedelta(hours=1)).isoformat())
    revoked = await create(alice, **FAMILY)
    await alice.delete(f"/api/shares/{revoked['id']}")
    clock.advance(hours=2)
    attempts = [
        {"Authorization": f"Share {expired['token']}"},
        {"Authorization": f"Share {revoked['token']}"},
        {"Authorization": "Share " + "A" * 43},
        {"Authorization": "Share not-a-token"},
        {"Authorization": f"Bearer {expired['token']}"},
        {},
    ]
    responses = [await holder.get("/api/shared", headers=headers) for headers in attempts]
    assert {(r.status_code, r.text) for r in responses} == {(404, responses[0].text)}
    assert responses[0].json() == GONE


async def test_the_session_cookie_opens_no_link(alice: Client) -> None:
    await create(alice, **FAMILY)
    assert (await alice.get("/api/shared")).status_code == 404  # alice's cookie is no token


# --- counting, limits, headers, logs ---------------------------------------------------------


async def test_each_open_is_counted_with_its_time(
    alice: Client, holder: Client, clock: FakeClock
) -> None:
    created = await create(alice, **FAMILY)
    for _ in range(3):
        clock.advance(hours=1)
        assert (await open_link(holder, created["token"])).status_code == 200
    share = await listed(alice, created["id"])
    assert share["opens"] == 3
    assert share["last_opened_at"] == "2026-11-21T15:00:00Z"
    await alice.delete(f"/api/shares/{created['id']}")
    await open_link(holder, created["token"])
    assert (await listed(alice, created["id"]))["opens"] == 3  # a refused open is not an open


async def test_guessing_tokens_is_rate_limited(alice: Client, holder: Client) -> None:
    created = await create(alice, **FAMILY)
    for n in range(ATTEMPTS):
        assert (await open_link(holder, f"guess-{n:040d}")).status_code == 404
    refused = await open_link(holder, "one-more-guess-" + "x" * 30)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    # The address is blocked for the window, even with a real token.
    assert (await open_link(holder, created["token"])).status_code == 429
    assert (await listed(alice, created["id"]))["opens"] == 0


async def test_successful_opens_do_not_use_up_the_limit(alice: Client, holder: Client) -> None:
    created = await create(alice, **FAMILY)
    for _ in range(ATTEMPTS * 2):
        assert (await open_link(holder, created["token"])).status_code == 200


async def test_every_holder_response_carries_the_privacy_headers(
    alice: Client, holder: Client
) -> None:
    family = await create(alice, **FAMILY)
    clinician = await create(alice, audience="clinician")
    responses = [
        await open_link(holder, family["token"]),
        await open_link(holder, clinician["token"]),
        await open_link(holder, clinician["token"], "/api/shared/report.pdf"),
        await open_link(holder, family["token"], "/api/shared/report.pdf"),
    ]
    for n in range(ATTEMPTS + 1):
        responses.append(await open_link(holder, f"bad-token-{n:040d}"))
    assert [r.status_code for r in responses][:4] == [200, 200, 200, 403]
    assert responses[-2].status_code == 404
    assert responses[-1].status_code == 429
    for response in responses:
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-robots-tag"] == "noindex"


async def test_tokens_never_reach_the_logs(alice: Client, holder: Client) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        created = await create(alice, **FAMILY)
        await open_link(holder, created["token"])
        await open_link(holder, "Z" * 43)
        await alice.delete(f"/api/shares/{created['id']}")
        await open_link(holder, created["token"])
    finally:
        root.removeHandler(handler)
    assert records  # the requests were logged, so the check below can fail
    logged = "\n".join(record.getMessage() + str(record.args) for record in records)
    assert created["token"] not in logged
    assert "Z" * 43 not in logged


async def test_the_share_routes_are_in_the_openapi_schema(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert {
        "/api/shares",
        "/api/shares/{share_id}",
        "/api/shared",
        "/api/shared/report.pdf",
    } <= set(schema["paths"])
    assert {"/api/guides", "/api/guides/search", "/api/guides/{slug}"} <= set(schema["paths"])
