"""Reminders end to end: the real app, a real SQLite file, and a local push service that checks
the VAPID signature and decrypts each push as a browser would. The scheduler's tick is driven
with chosen instants (the app's clock is injected too), so nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.domain import reminders as rules
from api.push import Pusher, load_vapid
from api.settings import PROJECT_DIR, Settings
from api.state import AppState
from api.store.reminders import Subscription
from tests.helpers import register
from tests.push_service import PushService, Recorder, Subscriber

Client = AsyncTestClient[Litestar]
ON_AT = {"enabled": True, "time": "20:00"}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db_path=tmp_path / "waypoint.sqlite3",
        guides_dir=PROJECT_DIR / "guides",
        push_allow_local=True,
        reminder_tick_seconds=0,  # the test drives every tick
    )


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Litestar:
    return create_app(settings, clock)


@pytest.fixture
def push() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture
def browsers() -> list[Client]:
    """More browsers on the same running app, each with its own cookies (as ``other``)."""
    return []


async def person(
    app: Litestar,
    client: Client,
    browsers: list[Client],
    push: PushService,
    name: str,
    timezone: str,
    reminders: dict[str, Any],
) -> tuple[Client, Subscriber]:
    """An account in ``timezone`` with one subscribed browser and the given reminder settings."""
    browser = AsyncTestClient(app=app)
    browser.blocking_portal = client.blocking_portal
    browsers.append(browser)
    await register(browser, name, timezone=timezone)
    subscriber = push.subscriber(name)
    response = await browser.post("/api/push/subscriptions", json=subscriber.subscription())
    assert response.status_code == 201, response.text
    response = await browser.put("/api/reminders", json=reminders)
    assert response.status_code == 200, response.text
    return browser, subscriber


def state_of(app: Litestar) -> AppState:
    found: AppState = app.state["app_state"]
    return found


async def tick(app: Litestar, client: Client, instant: datetime) -> int:
    """One scheduler tick at ``instant``, run on the app's own event loop."""
    scheduler = state_of(app).scheduler
    sent: int = await asyncio.wrap_future(
        client.blocking_portal.start_task_soon(scheduler.tick, instant)
    )
    return sent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_the_key_is_public_and_kept_in_a_private_file(
    client: Client, settings: Settings
) -> None:
    response = await client.get("/api/push/key")
    assert response.status_code == 200
    key = response.json()["public_key"]
    assert len(key) == 87  # 65 bytes, base64url without padding
    path = settings.db_path.with_name(settings.db_path.name + ".vapid.pem")
    assert path.stat().st_mode & 0o777 == 0o600
    # The same key after a restart: subscriptions made with it keep working.
    async with AsyncTestClient(app=create_app(settings)) as again:
        assert (await again.get("/api/push/key")).json()["public_key"] == key


async def test_daily_reminder_in_two_zones_across_dst(
    app: Litestar, client: Client, browsers: list[Client], push: PushService
) -> None:
    settings = {"checkin": ON_AT}
    _, ana = await person(app, client, browsers, push, "anna", "America/New_York", settings)
    _, ben = await person(app, client, browsers, push, "benoit", "Europe/Paris", settings)

    # New York moves to EDT on 14 March 2027: 20:00 is 01:00 UTC before, 00:00 UTC after.
    assert await tick(app, client, at("2027-03-14T00:59:00+00:00")) == 0
    assert await tick(app, client, at("2027-03-14T01:00:00+00:00")) == 1  # 13 March, 20:00 EST
    assert await tick(app, client, at("2027-03-14T23:59:00+00:00")) == 0  # 14 March, 19:59 EDT
    assert await tick(app, client, at("2027-03-15T00:00:00+00:00")) == 1  # 14 March, 20:00 EDT
    assert await tick(app, client, at("2027-03-15T00:30:00+00:00")) == 0  # claimed already
    assert await tick(app, client, at("2027-03-15T01:00:00+00:00")) == 0  # the old offset

    # Paris moves to CEST on 28 March 2027: 20:00 is 19:00 UTC before, 18:00 UTC after.
    assert await tick(app, client, at("2027-03-27T19:00:00+00:00")) == 1
    assert await tick(app, client, at("2027-03-28T17:59:00+00:00")) == 0
    assert await tick(app, client, at("2027-03-28T18:00:00+00:00")) == 1
    assert await tick(app, client, at("2027-03-28T19:00:00+00:00")) == 0

    expected = {
        "kind": "checkin",
        "title": "Waypoint",
        "body": "Time for your check-in",
        "url": "/#/today",
    }
    assert push.received(ana) == [expected, expected]
    assert push.received(ben) == [expected, expected]
    key = (await client.get("/api/push/key")).json()["public_key"]
    assert set(ana.vapid_keys) == {key}
    assert push.rejected == []


async def test_a_skipped_hour_still_gets_its_reminder(
    app: Litestar, client: Client, browsers: list[Client], push: PushService
) -> None:
    # 02:30 does not exist in New York on 14 March 2027: it is sent at 03:00 EDT, once.
    reminders = {"checkin": {"enabled": True, "time": "02:30"}}
    _, ana = await person(app, client, browsers, push, "anna", "America/New_York", reminders)
    assert await tick(app, client, at("2027-03-14T06:59:00+00:00")) == 0  # 01:59 EST
    assert await tick(app, client, at("2027-03-14T07:00:00+00:00")) == 1  # 03:00 EDT
    assert await tick(app, client, at("2027-03-14T07:01:00+00:00")) == 0
    assert len(push.received(ana)) == 1


async def test_no_reminder_for_someone_who_already_checked_in(
    app: Litestar, client: Client, browsers: list[Client], push: PushService, clock: FakeClock
) -> None:
    carl_browser, carl = await person(
        app, client, browsers, push, "carl", "Europe/Paris", {"checkin": ON_AT}
    )
    clock.now = at("2027-03-10T08:00:00+01:00")
    entry = {"day": "2027-03-10", "mood": 6, "note": "private words"}
    response = await carl_browser.put(f"/api/entries/{uuid.uuid4()}", json=entry)
    assert response.status_code == 201
    assert await tick(app, client, at("2027-03-10T20:00:00+01:00")) == 0
    assert await tick(app, client, at("2027-03-11T20:00:00+01:00")) == 1  # no check-in that day
    assert [each["kind"] for each in push.received(carl)] == ["checkin"]


@pytest.mark.usefixtures("clock")
async def test_the_evening_before_a_session(
    app: Litestar, client: Client, browsers: list[Client], push: PushService
) -> None:
    reminders = {"session": {"enabled": True, "time": "19:00"}}
    dora_browser, dora = await person(
        app, client, browsers, push, "dora", "America/Chicago", reminders
    )
    treatment = {
        "at": "2027-03-15T10:00:00-05:00",
        "kind": "esketamine_nasal",
        "status": "planned",
        "clinic": "Riverside Clinic",
        "dose_mg": 56,
        "notes": "private words",
    }
    response = await dora_browser.put(f"/api/treatments/{uuid.uuid4()}", json=treatment)
    assert response.status_code == 201
    assert await tick(app, client, at("2027-03-13T19:00:00-06:00")) == 0  # two days before
    assert await tick(app, client, at("2027-03-14T19:00:00-05:00")) == 1
    [message] = push.received(dora)
    assert message == {
        "kind": "session",
        "title": "Waypoint",
        "body": "Tomorrow: your session at 10:00 — is your ride arranged?",
        "url": "/#/treatments",
    }


async def test_the_questionnaire_reminder_comes_every_14_days(
    app: Litestar, client: Client, browsers: list[Client], push: PushService, clock: FakeClock
) -> None:
    reminders = {"questionnaire": {"enabled": True, "time": "18:00"}, "wording": "discreet"}
    clock.now = at("2027-04-01T09:00:00+00:00")
    eve_browser, eve = await person(app, client, browsers, push, "evelyn", "UTC", reminders)
    phq9 = {"instrument": "phq9", "answers": [1] * 9, "taken_at": "2027-04-01T09:00:00+00:00"}
    assert (await eve_browser.put(f"/api/assessments/{uuid.uuid4()}", json=phq9)).status_code == 201
    assert await tick(app, client, at("2027-04-14T18:00:00+00:00")) == 0  # 13 days later
    assert await tick(app, client, at("2027-04-15T18:00:00+00:00")) == 1  # 14 days later
    assert await tick(app, client, at("2027-04-16T18:00:00+00:00")) == 0  # ignored: not daily
    assert await tick(app, client, at("2027-04-29T18:00:00+00:00")) == 1  # two weeks on
    discreet = {
        "kind": "questionnaire",
        "title": "Waypoint",
        "body": "A reminder from Waypoint",
        "url": "/#/questionnaires",
    }
    assert push.received(eve) == [discreet, discreet]


async def test_quiet_hours_hold_back_a_late_catch_up(
    app: Litestar, client: Client, browsers: list[Client], push: PushService
) -> None:
    reminders = {
        "checkin": {"enabled": True, "time": "21:30"},
        "quiet_hours": {"enabled": True, "start": "22:00", "end": "07:00"},
    }
    _, finn = await person(app, client, browsers, push, "finn", "UTC", reminders)
    # The server was down at 21:30; at 22:10 it would still be in the grace hour, but quiet.
    assert await tick(app, client, at("2027-05-01T22:10:00+00:00")) == 0
    assert await tick(app, client, at("2027-05-02T21:45:00+00:00")) == 1
    assert len(push.received(finn)) == 1


async def test_gone_subscriptions_are_deleted(
    app: Litestar, client: Client, browsers: list[Client], push: PushService, settings: Settings
) -> None:
    gail_browser, gail = await person(
        app, client, browsers, push, "gail", "UTC", {"checkin": ON_AT}
    )
    gail.answers = [410]
    assert await tick(app, client, at("2027-05-01T20:00:00+00:00")) == 0
    conn = sqlite3.connect(settings.db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM push_subscriptions").fetchone()[0] == 0
    finally:
        conn.close()
    response = await gail_browser.post("/api/reminders/test")
    assert response.json() == {"delivered": 0, "subscriptions": 0}


async def test_failures_are_retried_and_logged_without_the_endpoint(
    app: Litestar,
    client: Client,
    browsers: list[Client],
    push: PushService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, hana = await person(app, client, browsers, push, "hana", "UTC", {"checkin": ON_AT})
    waited: list[float] = []

    async def no_sleep(seconds: float) -> None:  # the back-off, recorded instead of waited
        waited.append(seconds)

    state_of(app).pusher.sleep = no_sleep
    hana.answers = [503, 429]
    with caplog.at_level(logging.INFO, logger="waypoint.push"):
        assert await tick(app, client, at("2027-05-01T20:00:00+00:00")) == 1
    assert len(push.received(hana)) == 1
    assert waited == [2.0, 10.0]
    secret = hana.endpoint.rsplit("/", 1)[1]
    assert "503" in caplog.text
    assert "127.0.0.1" in caplog.text
    assert secret not in caplog.text


async def test_send_me_one_now(
    app: Litestar, client: Client, browsers: list[Client], push: PushService
) -> None:
    ines_browser, ines = await person(app, client, browsers, push, "ines", "UTC", {})
    second = push.subscriber("ines-phone")
    assert (
        await ines_browser.post("/api/push/subscriptions", json=second.subscription())
    ).status_code == 201
    response = await ines_browser.post("/api/reminders/test")
    assert response.status_code == 201
    assert response.json() == {"delivered": 2, "subscriptions": 2}
    for each in (ines, second):
        [message] = push.received(each)
        assert message["kind"] == "test"
        assert message["title"] == "Waypoint"
    # Forgetting a browser: it gets nothing more.
    gone = await ines_browser.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": second.endpoint}
    )
    assert gone.status_code == 204
    assert (await ines_browser.post("/api/reminders/test")).json()["subscriptions"] == 1


async def test_account_deletion_takes_reminders_with_it(
    app: Litestar, client: Client, browsers: list[Client], push: PushService, settings: Settings
) -> None:
    jo_browser, _ = await person(app, client, browsers, push, "joan", "UTC", {"checkin": ON_AT})
    assert await tick(app, client, at("2027-05-01T20:00:00+00:00")) == 1
    assert (await jo_browser.post("/api/calendar-links", json={})).status_code == 201
    tables = ("push_subscriptions", "reminder_settings", "reminder_sends", "calendar_links")
    conn = sqlite3.connect(settings.db_path)
    try:
        for table in tables:
            count = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            assert count == 1, table
        response = await jo_browser.request(
            "DELETE", "/api/account", json={"password": "correct horse battery"}
        )
        assert response.status_code == 204
        for table in tables:
            count = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            assert count == 0, table
    finally:
        conn.close()


# --- a push never reaches into the server's own network (server-side request forgery) --------


async def test_a_push_service_redirect_is_not_followed(
    app: Litestar, client: Client, browsers: list[Client], push: PushService
) -> None:
    inside = Recorder()  # e.g. an admin port or a cloud metadata address
    redirector = Recorder(status=307, location=f"{inside.url}/internal")
    try:
        kim_browser, _ = await person(app, client, browsers, push, "kim", "UTC", {})
        fake = push.subscriber("kim-redirect").subscription()
        fake["endpoint"] = f"{redirector.url}/push/x"
        assert (await kim_browser.post("/api/push/subscriptions", json=fake)).status_code == 201
        response = await kim_browser.post("/api/reminders/test")
        assert response.json() == {"delivered": 1, "subscriptions": 2}  # the real browser only
        assert redirector.paths == ["/push/x"]
        assert inside.paths == []
    finally:
        inside.close()
        redirector.close()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_a_push_to_this_machine_is_refused_when_sending(
    push: PushService, tmp_path: Path, host: str
) -> None:
    """A name is checked when the browser subscribes, but resolved only when a push is sent: a
    name that now resolves to this machine (DNS rebinding), or an address, is never contacted."""
    pusher = Pusher(load_vapid(tmp_path / "vapid.pem"), "mailto:test@example.com")
    await pusher.start()
    try:
        lee = push.subscriber("lee")
        info = lee.subscription()
        endpoint = lee.endpoint.replace("127.0.0.1", host)
        subscription = Subscription(1, 1, endpoint, info["keys"]["p256dh"], info["keys"]["auth"])
        assert await pusher.deliver(subscription, rules.test_payload(), delays=()) == "failed"
    finally:
        await pusher.close()
    assert push.received(lee) == []
    assert push.rejected == []
