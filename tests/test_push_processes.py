"""Two real ``waypoint serve`` processes on one database send a due reminder exactly once.

Each process ticks twice a second; the reminder is set to the current minute, so both find it
due. The test waits until both processes have logged that they found it already claimed (so each
has had its chance) and then counts what the local push service received.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers import PASSWORD, empty_pg_database
from tests.push_service import PushService
from tests.server import ServerProcess

CLAIMED = re.compile(r"due already claimed \(process (\d+)\)")


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is around noon now: the reminder's window never crosses
    midnight during the test."""
    offset = 12 - now.hour
    offset = offset + 24 if offset < -12 else offset
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def checkin_due_now(push: PushService, url: str) -> Any:
    """Register kim in a zone where it is about noon, subscribe her browser and set her
    check-in reminder to the current minute: due for every process at its next tick."""
    now = datetime.now(UTC)
    zone = noon_zone(now)
    local = now.astimezone(ZoneInfo(zone))
    browser = push.subscriber("kim")
    with httpx.Client(base_url=url) as client:
        account = {"username": "kim", "password": PASSWORD, "timezone": zone}
        assert client.post("/api/account", json=account).status_code == 201
        assert client.post("/api/push/subscriptions", json=browser.subscription()).is_success
        due = {"checkin": {"enabled": True, "time": f"{local:%H:%M}"}}
        assert client.put("/api/reminders", json=due).status_code == 200
    return browser


def claims_seen(logs: Callable[[], list[str]], push: PushService, browser: Any) -> list[set[str]]:
    """Wait (60 s at most) until every log shows its process found the send already claimed
    and the push has arrived; the process ids found in each log."""
    deadline = time.monotonic() + 60
    found: list[set[str]] = []
    while time.monotonic() < deadline:
        found = [set(CLAIMED.findall(log)) for log in logs()]
        if all(found) and len(set().union(*found)) >= 2 and push.received(browser):
            break
        time.sleep(0.2)
    return found


def test_two_processes_on_one_database_send_once(tmp_path: Path) -> None:
    db_path = tmp_path / "waypoint.sqlite3"
    env = {"WAYPOINT_PUSH_ALLOW_LOCAL": "true", "WAYPOINT_REMINDER_TICK_SECONDS": "0.5"}
    with (
        PushService() as push,
        ServerProcess(db_path, env=env, log_level="DEBUG") as first,
        ServerProcess(db_path, env=env, log_level="DEBUG") as second,
    ):
        browser = checkin_due_now(push, first.url)
        # One log file per database: it holds both processes' lines.
        (pids,) = claims_seen(lambda: [first.log()], push, browser)
        assert len(pids) == 2, first.log()[-3000:]
        assert push.received(browser) == [
            {
                "kind": "checkin",
                "title": "Waypoint",
                "body": "Time for your check-in",
                "url": "/#/today",
            }
        ]
        assert push.rejected == []
        # Both processes signed with the one key made at first start.
        assert len(set(browser.vapid_keys)) == 1
        assert second.url != first.url


def test_two_processes_on_postgresql_send_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The same on PostgreSQL, the several-servers deployment: two processes on one database
    (each with a file path of its own, sharing only the database, the server key and the VAPID
    key, as app servers on separate machines do) claim the send in the database once."""
    url = empty_pg_database(request.getfixturevalue("postgres"))
    env = {
        "WAYPOINT_DATABASE_URL": url,
        "WAYPOINT_KEY_FILE": str(tmp_path / "server.key"),
        "WAYPOINT_VAPID_FILE": str(tmp_path / "vapid.pem"),
        "WAYPOINT_PUSH_ALLOW_LOCAL": "true",
        "WAYPOINT_REMINDER_TICK_SECONDS": "0.5",
    }
    with (
        PushService() as push,
        ServerProcess(tmp_path / "a.sqlite3", env=env, log_level="DEBUG") as first,
        ServerProcess(tmp_path / "b.sqlite3", env=env, log_level="DEBUG") as second,
    ):
        browser = checkin_due_now(push, first.url)
        claimed = claims_seen(lambda: [first.log(), second.log()], push, browser)
        assert all(claimed), (first.log()[-2000:], second.log()[-2000:])
        assert len(push.received(browser)) == 1
        assert push.rejected == []
        assert len(set(browser.vapid_keys)) == 1
