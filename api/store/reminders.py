"""Reminders' SQL: push subscriptions, reminder settings and the send claims."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from api.domain.kinds import ASSESSMENT, ENTRY, TREATMENT
from api.domain.reminders import (
    Candidate,
    Facts,
    Payload,
    ReminderSettings,
    Schedule,
    SubscriptionIn,
    message_for,
)
from api.domain.shares import timestamp
from api.store import records

MAX_SUBSCRIPTIONS = 10


class Subscription(NamedTuple):
    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


class Send(NamedTuple):
    """A claimed reminder and where it goes."""

    candidate: Candidate
    payload: Payload
    subscriptions: list[Subscription]


# --- subscriptions ---------------------------------------------------------------------------


def subscribe(conn: sqlite3.Connection, user_id: int, body: SubscriptionIn, now: datetime) -> None:
    """Store (or move to this user, with fresh keys) a browser's subscription: one endpoint
    belongs to one browser, so a second account logging in there takes it over."""
    conn.execute(
        "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, "
        "p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at",
        (user_id, body.endpoint, body.keys.p256dh, body.keys.auth, timestamp(now)),
    )
    # A person has a few browsers; past MAX_SUBSCRIPTIONS the oldest are forgotten, so an
    # account cannot make every reminder fan out to thousands of endpoints.
    conn.execute(
        "DELETE FROM push_subscriptions WHERE user_id = ? AND id NOT IN (SELECT id FROM "
        "push_subscriptions WHERE user_id = ? ORDER BY id DESC LIMIT ?)",
        (user_id, user_id, MAX_SUBSCRIPTIONS),
    )


def unsubscribe(conn: sqlite3.Connection, user_id: int, endpoint: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?", (user_id, endpoint)
    )
    return cursor.rowcount > 0


def delete_subscription(conn: sqlite3.Connection, subscription_id: int) -> None:
    conn.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,))


def subscriptions_of(conn: sqlite3.Connection, user_id: int) -> list[Subscription]:
    found = conn.execute(
        "SELECT id, user_id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = ? "
        "ORDER BY id",
        (user_id,),
    ).fetchall()
    return [Subscription(*row) for row in found]


# --- settings --------------------------------------------------------------------------------


def settings_of(conn: sqlite3.Connection, user_id: int) -> ReminderSettings:
    found = conn.execute(
        "SELECT data FROM reminder_settings WHERE user_id = ?", (user_id,)
    ).fetchone()
    if found is None:
        return ReminderSettings()
    return msgspec.json.decode(found[0], type=ReminderSettings)


def save_settings(
    conn: sqlite3.Connection, user_id: int, settings: ReminderSettings, now: datetime
) -> None:
    conn.execute(
        "INSERT INTO reminder_settings (user_id, any_enabled, data, updated_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET any_enabled = "
        "excluded.any_enabled, data = excluded.data, updated_at = excluded.updated_at",
        (
            user_id,
            int(settings.any_enabled),
            msgspec.json.encode(settings).decode(),
            timestamp(now),
        ),
    )


def schedules(conn: sqlite3.Connection) -> list[Schedule]:
    """Everyone with a reminder on and somewhere to send it."""
    found = conn.execute(
        "SELECT s.user_id, u.timezone, s.data FROM reminder_settings s "
        "JOIN users u ON u.id = s.user_id WHERE s.any_enabled = 1 "
        "AND EXISTS (SELECT 1 FROM push_subscriptions p WHERE p.user_id = s.user_id)"
    ).fetchall()
    return [
        Schedule(
            user_id=user_id,
            timezone=timezone,
            settings=msgspec.json.decode(data, type=ReminderSettings),
        )
        for user_id, timezone, data in found
    ]


# --- the claims ------------------------------------------------------------------------------


class _Planned(msgspec.Struct):
    at: datetime
    status: str


def facts_of(conn: sqlite3.Connection, candidate: Candidate) -> Facts:
    """What the reminder rules need about one person on the candidate's local day."""
    user_id, day = candidate.user_id, candidate.local_day
    checked_in = records.exists_on(conn, user_id, ENTRY.name, day.isoformat())
    last_day = records.latest_day(conn, user_id, ASSESSMENT.name)
    last_sent = conn.execute(
        "SELECT MAX(local_day) FROM reminder_sends WHERE user_id = ? AND reminder = ?",
        (user_id, "questionnaire"),
    ).fetchone()[0]
    tomorrow = day + timedelta(days=1)
    tomorrow_sessions: tuple[datetime, ...] = ()
    if candidate.kind == "session":
        # Stored days are in the zone of the time of saving: read a day either side, then keep
        # the sessions whose start falls on tomorrow in today's zone.
        end = (tomorrow + timedelta(days=1)).isoformat()
        data = records.data_between(conn, user_id, TREATMENT.name, day.isoformat(), end)
        planned = msgspec.json.decode(data, type=list[_Planned])
        tz = ZoneInfo(candidate.timezone)
        tomorrow_sessions = tuple(
            each.at
            for each in planned
            if each.status == "planned" and each.at.astimezone(tz).date() == tomorrow
        )
    return Facts(
        checked_in=checked_in,
        last_questionnaire=None if last_day is None else date.fromisoformat(last_day),
        last_questionnaire_reminder=None if last_sent is None else date.fromisoformat(last_sent),
        tomorrow_sessions=tomorrow_sessions,
    )


def claim_due(
    conn: sqlite3.Connection, candidates: list[Candidate], now: datetime
) -> tuple[list[Send], int]:
    """Decide and claim, in the one write transaction of a scheduler tick, every candidate that
    is due: a claim that already exists (sent earlier, or by another process) is skipped.
    Returns the sends to make and how many due reminders were already claimed."""
    sends = []
    already = 0
    for candidate in candidates:
        payload = message_for(candidate, facts_of(conn, candidate))
        if payload is None:
            continue
        cursor = conn.execute(
            "INSERT INTO reminder_sends (user_id, reminder, local_day, claimed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (candidate.user_id, candidate.kind, candidate.local_day.isoformat(), timestamp(now)),
        )
        if cursor.rowcount != 1:
            already += 1
            continue
        sends.append(Send(candidate, payload, subscriptions_of(conn, candidate.user_id)))
    return sends, already
