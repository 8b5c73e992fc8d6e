"""What more than one test module needs: accounts, sample records, the public routes, browser steps.

Test modules and the conftest files import from here (or, for a real server process and the
crash harness, from ``tests.server``, which ``bench/`` also uses); no test module imports
another test module or a conftest, and the conftest files only define fixtures.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from axe_playwright_python.sync_playwright import Axe
from litestar import Litestar
from litestar.enums import HttpMethod
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from playwright.sync_api import Browser, BrowserContext, Page, expect

from api.domain.trends import AssessmentPoint, EntryPoint, TreatmentPoint, Trends, compute_trends
from api.settings import Settings
from api.store import keys
from tests import pg_cluster

PASSWORD = "correct horse battery"

# --- the API in-process (AsyncTestClient) ----------------------------------------------------

ENTRY = {"day": "2026-11-20", "mood": 6, "anxiety": 3, "tags": ["walk"], "note": "slept ok"}
TREATMENT = {
    "at": "2026-11-18T10:00:00-05:00",
    "kind": "iv_infusion",
    "status": "done",
    "dose_mg": 35.0,
    "side_effects": ["nausea"],
}


def new_id() -> str:
    return str(uuid.uuid4())


async def register(
    client: httpx.AsyncClient, username: str = "alice", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/account", json={"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def use_session(client: AsyncTestClient[Litestar], cookie: str | None) -> None:
    """Make a client present a given session cookie (an old one, or one from before a restart)."""
    client.cookies.clear()
    if cookie:
        client.cookies.set("waypoint_session", cookie, domain="testserver.local")


def empty_journal(where: Path | Settings) -> None:
    """Delete every record (accounts and sessions stay), between examples of a property test."""
    if isinstance(where, Settings) and where.database_url:
        with psycopg.connect(where.database_url) as pg:
            pg.execute("DELETE FROM records")
        return
    db_path = where.db_path if isinstance(where, Settings) else where
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("DELETE FROM records")
    finally:
        conn.close()


def rows_left(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    """Run one query straight on the test's database, whichever engine it is."""
    if settings.database_url:
        with psycopg.connect(settings.database_url) as pg:
            return pg.execute(sql).fetchall()
    conn = sqlite3.connect(settings.db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


TEST_DATABASE = "waypoint_test"
ENGINES = ("sqlite", "postgresql")


def empty_pg_database(cluster: pg_cluster.Cluster) -> str:
    """The URL of the session's migrated test database, every table emptied (the migrations'
    record and the guide index, rebuilt at every start, stay)."""
    url = cluster.url(TEST_DATABASE)
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('schema_migrations', 'guide_search')"
            )
        ]
        for table in tables:  # DELETE: ten times faster than TRUNCATE on tables this small
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 (names from the catalogue)
        conn.execute("DELETE FROM keystore.data_keys")  # each test has a key file of its own
    return url


# --- the route table ---------------------------------------------------------------------------

# Operations anyone may call without a session: registration, log-in, and public content
# (DESIGN.md). Share holders authenticate with the share token instead (tested in test_sharing).
# Paths are written as OpenAPI writes them; `plain_path` turns the app's own paths into that form.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/healthz"),
        ("POST", "/api/account"),
        ("POST", "/api/session"),
        ("GET", "/api/instruments"),
        ("GET", "/api/crisis"),
        ("GET", "/api/guides"),
        ("GET", "/api/guides/search"),
        ("GET", "/api/guides/{slug}"),
        # Share holders authenticate with the share token, not a session (tested in test_sharing).
        ("GET", "/api/shared"),
        ("GET", "/api/shared/report.pdf"),
        # Public by nature (every subscribing browser gets it), and a calendar app's feed, whose
        # token is in the path (calendar apps cannot send headers).
        ("GET", "/api/push/key"),
        ("GET", "/calendar/{name}"),
    }
)


def plain_path(path: str) -> str:
    """``/api/entries/{record_id:uuid}`` -> ``/api/entries/{record_id}`` (the OpenAPI form)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def api_routes(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, plain path) of the HTTP API (``/api/...``, ``/healthz`` and the calendar
    feed ``/calendar/...``), sorted.

    The OpenAPI schema's own routes and the web app's static files are left out: they are not
    part of the API a client programs against.
    """
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/api/schema"):
            continue
        if route.path != "/healthz" and not route.path.startswith(("/api/", "/calendar/")):
            continue
        for method in route.methods - {"OPTIONS", "HEAD"}:
            found.add((HttpMethod(method).value, plain_path(route.path)))
    return sorted(found)


# --- the web app in a real browser (Playwright) ------------------------------------------------

PHONE = {"width": 360, "height": 640}
SCREENSHOTS = Path(__file__).parent / "e2e" / "screenshots"
SEED_SCRIPT = Path(__file__).parent / "e2e" / "seed.js"


def new_context(browser: Browser, server: str, **options: Any) -> BrowserContext:
    settings: dict[str, Any] = {
        "viewport": PHONE,
        "base_url": server,
        "service_workers": "allow",
        "locale": "en-US",
    }
    return browser.new_context(**{**settings, **options})


def unique(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sign_up(page: Page, username: str | None = None) -> str:
    """Create an account through the UI; ends on the Today screen."""
    username = username or unique()
    page.goto("/#/login/new")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    return username


def log_in(page: Page, username: str) -> None:
    """Fill the Log in screen's form and submit it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def check_in(page: Page, mood: int, note: str = "") -> None:
    """Save a check-in from the Today screen."""
    scale = page.get_by_role("group", name="How is your mood right now?")
    scale.get_by_text(str(mood), exact=True).click()
    if note:
        page.get_by_text("Add more (optional)").click()
        page.get_by_label("Note").fill(note)
    page.get_by_role("button", name="Save check-in").click()


def local_today(page: Page) -> str:
    """The browser's calendar day (the account's too: registration sends the browser's zone)."""
    return str(page.evaluate("() => new Date().toLocaleDateString('sv')"))  # sv = YYYY-MM-DD


def wait_for_service_worker(page: Page) -> None:
    # (wait_for_function evaluates a string, which the app's CSP forbids: use a promise instead.)
    page.evaluate(
        """() => navigator.serviceWorker.controller ? true : new Promise((resolve) =>
            navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true)))"""
    )


def api_json(page: Page, path: str, method: str = "GET", body: Any = None) -> Any:
    """Call the API from inside the page (same origin, the page's session cookie)."""
    return page.evaluate(
        """async ([path, method, body]) => {
            const init = {method, credentials: "same-origin", headers: {}};
            if (body !== null) {
                init.body = JSON.stringify(body);
                init.headers["Content-Type"] = "application/json";
            }
            const r = await fetch(path, init);
            return {status: r.status, body: r.status === 204 ? null : await r.json()};
        }""",
        [path, method, body],
    )


def seed_journal(page: Page, days: int = 45, note: str = "") -> None:
    """A plausible course through the API: daily check-ins, infusions, weekly PHQ-9 / GAD-7."""
    page.evaluate(SEED_SCRIPT.read_text(), [days, note])


Client = AsyncTestClient[Litestar]


# --- trend series with a known answer (tests/test_trends.py, tests/test_trend_rules.py) -------

NEW_YORK = ZoneInfo("America/New_York")
DAY = timedelta(days=1)
START = date(2026, 1, 1)


def daily(first: date, moods: Sequence[int | None]) -> list[EntryPoint]:
    """One check-in per day from `first`; None leaves the day unlogged."""
    return [
        EntryPoint(day=first + offset * DAY, mood=mood)
        for offset, mood in enumerate(moods)
        if mood is not None
    ]


def done(day: date, treatment_id: str = "t1", status: str = "done") -> TreatmentPoint:
    """A treatment at 10:00 New York time on `day`."""
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=NEW_YORK)
    return TreatmentPoint(id=treatment_id, at=at, kind="iv_infusion", status=status, dose_mg=35.0)


def phq9(day: date, total: int, assessment_id: str, flagged: bool = False) -> AssessmentPoint:
    at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=NEW_YORK)
    return AssessmentPoint(assessment_id, "phq9", at, total, "band", flagged)


def trends(
    entries: list[EntryPoint],
    treatments: list[TreatmentPoint] | None = None,
    assessments: list[AssessmentPoint] | None = None,
    *,
    start: date = START,
    end: date = START + 6 * DAY,
    today: date | None = None,
    baseline_date: date | None = None,
    flagged_entry_days: list[date] | None = None,
) -> Trends:
    return compute_trends(
        entries,
        treatments or [],
        assessments or [],
        start=start,
        end=end,
        tz=NEW_YORK,
        today=today or end,
        baseline_date=baseline_date,
        flagged_entry_days=flagged_entry_days or [],
    )


# --- sharing (tests/test_sharing.py, tests/test_clinician_scope.py) --------------------------

SHARE_START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 07:00 in New York, alice's zone


class FakeClock:
    def __init__(self, start: datetime = SHARE_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def same_app(app: Litestar, client: Client) -> Client:
    """Another browser on the running app. It must share the running client's portal (event
    loop): a client that is not entered starts a new loop per request, and the database's single
    writer, which lives on the lifespan's loop, is never woken from another loop.
    """
    browser = AsyncTestClient(app=app)
    browser.blocking_portal = client.blocking_portal
    return browser


async def create(owner: Client, **body: Any) -> dict[str, Any]:
    response = await owner.post("/api/shares", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def open_link(holder: Client, token: str, path: str = "/api/shared") -> Any:
    return await holder.get(path, headers={"Authorization": f"Share {token}"})


async def put(owner: Client, kind: str, body: dict[str, Any]) -> None:
    response = await owner.put(f"/api/{kind}/{new_id()}", json=body)
    assert response.status_code == 201, response.text


# --- accessibility (axe-core) -----------------------------------------------------------------

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def check(page: Page, name: str) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
    ]
    # Nothing sticks out sideways at 360 px (wide tables scroll inside their own box).
    width = page.evaluate("() => document.documentElement.scrollWidth")
    problems += [f"page is {width} px wide"] if width > 360 else []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    problems += [f"console: {e}" for e in getattr(page, "errors", [])]
    assert not problems, f"{name}:\n" + "\n".join(problems)


# --- encryption at rest (tests/test_encryption.py, tests/test_private_files.py) -------------

CANARY = "zebra-canary-7341"  # never a word the app or SQLite would write by itself
SUFFIXES = ("", "-wal", "-shm")


def raw_files(db_path: Path) -> dict[str, bytes]:
    """Every file a copy of the deployment would hold, by name."""
    found = {}
    for base in (db_path, keys.key_store_path(db_path)):
        for suffix in SUFFIXES:
            path = Path(str(base) + suffix)
            if path.exists():
                found[path.name] = path.read_bytes()
    return found


def holding(db_path: Path, needle: bytes) -> list[str]:
    return [name for name, data in raw_files(db_path).items() if needle in data]


async def write_journal(client: httpx.AsyncClient, who: str) -> dict[str, str]:
    """One record of each kind, every private field carrying ``CANARY`` and the writer's name."""
    mark = f"{CANARY}-{who}"
    ids = {"entries": new_id(), "treatments": new_id(), "assessments": new_id()}
    bodies: dict[str, dict[str, Any]] = {
        "entries": {"day": "2026-11-20", "mood": 6, "tags": [f"{mark}-tag"], "note": mark},
        "treatments": {
            "at": "2026-11-18T10:00:00-05:00",
            "kind": "iv_infusion",
            "status": "done",
            "dose_mg": 35.0,
            "clinic": f"{mark}-clinic",
            "notes": f"{mark}-notes",
            "side_effects": [f"{mark}-nausea"],
        },
        "assessments": {
            "instrument": "phq9",
            "answers": [1, 2, 1, 1, 0, 1, 2, 1, 0],
            "difficulty": 1,
            "taken_at": "2026-11-19T19:00:00-05:00",
        },
    }
    for path, body in bodies.items():
        response = await client.put(f"/api/{path}/{ids[path]}", json=body)
        assert response.status_code == 201, response.text
    return ids
