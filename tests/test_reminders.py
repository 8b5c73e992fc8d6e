"""Reminder rules (pure) and the settings and subscription routes (validation, ownership)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.domain.reminders import (
    DISCREET,
    NEUTRAL,
    REMINDER_KINDS,
    Candidate,
    Facts,
    ReminderSettings,
    Schedule,
    due_at,
    message_for,
)
from api.settings import Settings
from tests.helpers import register

Client = AsyncTestClient[Litestar]
KEYS = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}


def schedule(zone: str, **settings: object) -> Schedule:
    return Schedule(user_id=1, timezone=zone, settings=msgspec.convert(settings, ReminderSettings))


def test_nothing_is_on_by_default() -> None:
    assert not ReminderSettings().any_enabled
    now = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
    assert due_at(now, [Schedule(user_id=1, timezone="UTC", settings=ReminderSettings())]) == []


def test_a_repeated_hour_is_one_local_day() -> None:
    # 01:30 happens twice in New York on 7 November 2027; both are due on the same local day,
    # so the (user, reminder, day) claim lets one through.
    each = schedule("America/New_York", checkin={"enabled": True, "time": "01:30"})
    first = due_at(datetime(2027, 11, 7, 5, 30, tzinfo=UTC), [each])  # 01:30 EDT
    second = due_at(datetime(2027, 11, 7, 6, 30, tzinfo=UTC), [each])  # 01:30 EST
    assert [c.local_day for c in first] == [c.local_day for c in second] == [date(2027, 11, 7)]


def test_the_window_is_an_hour_and_stays_in_its_day() -> None:
    each = schedule("UTC", checkin={"enabled": True, "time": "23:30"})
    assert len(due_at(datetime(2027, 5, 1, 23, 59, tzinfo=UTC), [each])) == 1
    assert due_at(datetime(2027, 5, 2, 0, 10, tzinfo=UTC), [each]) == []
    assert due_at(datetime(2027, 5, 1, 23, 29, tzinfo=UTC), [each]) == []


def candidate(kind: str, wording: str = "neutral") -> Candidate:
    return msgspec.convert(
        {
            "user_id": 1,
            "kind": kind,
            "local_day": "2027-05-10",
            "timezone": "UTC",
            "wording": wording,
        },
        Candidate,
    )


def test_rules_skip_what_is_not_needed() -> None:
    assert message_for(candidate("checkin"), Facts(checked_in=True)) is None
    assert message_for(candidate("checkin"), Facts()) is not None
    assert message_for(candidate("session"), Facts()) is None  # nothing planned tomorrow
    recent = Facts(last_questionnaire=date(2027, 4, 27))  # 13 days before
    assert message_for(candidate("questionnaire"), recent) is None
    due = Facts(last_questionnaire=date(2027, 4, 26))  # 14 days before
    assert message_for(candidate("questionnaire"), due) is not None
    assert message_for(candidate("questionnaire"), Facts()) is not None  # never taken one


@pytest.mark.parametrize("wording", ["neutral", "discreet"])
def test_lock_screen_words_stay_neutral(wording: str) -> None:
    tomorrow = Facts(tomorrow_sessions=(datetime(2027, 5, 11, 10, 0, tzinfo=UTC),))
    for kind in REMINDER_KINDS:
        payload = message_for(candidate(kind, wording), tomorrow)
        assert payload is not None
        text = msgspec.json.encode(payload).decode().lower()
        for word in ("ketamine", "esketamine", "spravato", "depress", "infusion", "mood"):
            assert word not in text, (kind, word)
        if wording == "discreet":
            assert payload.body == DISCREET
        else:
            assert payload.body == NEUTRAL[kind].format(time="10:00")


async def test_settings_round_trip_and_validation(client: Client, other: Client) -> None:
    assert (await other.get("/api/reminders")).status_code == 401
    await register(client, "alice")
    first = (await client.get("/api/reminders")).json()
    assert first["checkin"] == {"enabled": False, "time": "20:00"}
    assert first["wording"] == "neutral"
    body = {"checkin": {"enabled": True, "time": "21:15"}, "wording": "discreet"}
    saved = (await client.put("/api/reminders", json=body)).json()
    assert (await client.get("/api/reminders")).json() == saved
    assert saved["checkin"]["time"] == "21:15"
    assert saved["session"]["enabled"] is False

    for bad, key in (
        ({"checkin": {"enabled": True, "time": "25:00"}}, "checkin.time"),
        ({"wording": "ketamine"}, "wording"),
        (
            {
                "checkin": {"enabled": True, "time": "23:00"},
                "quiet_hours": {"enabled": True, "start": "22:00", "end": "07:00"},
            },
            "checkin.time",
        ),
    ):
        response = await client.put("/api/reminders", json=bad)
        assert response.status_code == 400, bad
        assert response.json()["extra"][0]["key"] == key
    unknown = await client.put("/api/reminders", json={"snooze": True})
    assert unknown.status_code == 400
    assert "snooze" in unknown.json()["extra"][0]["message"]


async def test_subscriptions_are_validated(client: Client, other: Client) -> None:
    secret = "canary-path-41"
    good = {"endpoint": f"https://push.example.org/send/{secret}", "keys": KEYS}
    assert (await other.post("/api/push/subscriptions", json=good)).status_code == 401
    await register(client, "alice")
    assert (await client.post("/api/push/subscriptions", json=good)).status_code == 201
    for endpoint in (
        f"http://push.example.org/{secret}",
        f"http://127.0.0.1:9/{secret}",  # local only with push_allow_local
        f"https://10.0.0.5/{secret}",
        f"https://localhost/{secret}",
    ):
        response = await client.post(
            "/api/push/subscriptions", json={"endpoint": endpoint, "keys": KEYS}
        )
        assert response.status_code == 400, endpoint
        assert response.json()["extra"][0]["key"] == "endpoint"
        assert secret not in response.text
    for field, value in (("p256dh", "B" * 40 + "A" * 42), ("auth", "A" * 30)):
        keys = {**KEYS, field: value}
        response = await client.post(
            "/api/push/subscriptions", json={"endpoint": good["endpoint"], "keys": keys}
        )
        assert response.status_code == 400
        assert response.json()["extra"][0]["key"] == f"keys.{field}"
    # Deleting someone else's (or an unknown) subscription is a 404.
    await register(other, "bob")
    response = await other.request("DELETE", "/api/push/subscriptions", json=good)
    assert response.status_code == 404
    response = await client.request("DELETE", "/api/push/subscriptions", json=good)
    assert response.status_code == 204


async def test_an_account_keeps_at_most_ten_browsers(client: Client, settings: Settings) -> None:
    await register(client, "alice")
    for number in range(12):
        body = {"endpoint": f"https://push.example.org/send/{number}", "keys": KEYS}
        assert (await client.post("/api/push/subscriptions", json=body)).status_code == 201
    conn = sqlite3.connect(settings.db_path)
    try:
        kept = [row[0] for row in conn.execute("SELECT endpoint FROM push_subscriptions")]
    finally:
        conn.close()
    assert sorted(kept) == sorted(f"https://push.example.org/send/{n}" for n in range(2, 12))
