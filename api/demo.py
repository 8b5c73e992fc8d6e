"""``waypoint demo``: an account with about 120 days of realistic, made-up data.

The story: five weeks of low mood before treatment (the baseline), an induction series of six IV
infusions over about two and a half weeks, a lift that fades slowly, and boosters that lift it
again, with a planned booster ahead. Check-ins skip a day now and then, as real ones do. The data
goes through the same versioned-record code as the API (``Kind.prepare`` and ``put_row``).
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

from api.domain.kinds import ASSESSMENT, ENTRY, TREATMENT, AssessmentPut, EntryPut, TreatmentPut
from api.settings import Settings
from api.store import records
from api.store.db import Database
from api.store.keys import Keyring, create_data_key, destroy_data_key

USERNAME = "demo"
PASSWORD = "demo-password"  # noqa: S105  (the demo account is public on purpose)
TIMEZONE = "America/New_York"
DAYS = 120
NAMESPACE = uuid.UUID("6f1d7a52-93c4-4d0b-a7de-3f0a1c9e5b11")

TAGS = ["walk", "work", "family", "therapy", "friends", "rest", "exercise", "music", "outdoors"]
NOTES_LOW = [
    "Hard to get out of bed.",
    "Everything feels heavy today.",
    "Cancelled plans again.",
    "Tired but could not sleep.",
]
NOTES_HIGH = [
    "Walked to the park and actually enjoyed it.",
    "Called my sister; we laughed.",
    "Cooked dinner for the first time in weeks.",
    "Felt lighter this morning.",
    "Integration session helped me name what changed.",
]


def _mood_curve(offset: int, induction: list[int], boosters: list[int]) -> float:
    """Baseline around 3; each infusion adds a lift that fades over about two months."""
    level = 3.0
    for day, lift in [(d, 0.8) for d in induction] + [(d, 2.0) for d in boosters]:
        if offset >= day:
            level += lift * max(0.0, 1 - (offset - day) / 60)
    return min(level, 8.0)


def build(today: date, seed: int = 7) -> tuple[list[Any], list[Any], list[Any]]:
    """Plain Structs for entries, treatments and assessments of the demo story."""
    rng = random.Random(seed)
    tz_offset = "-05:00"
    start = today - timedelta(days=DAYS - 1)
    induction = [35, 37, 40, 42, 45, 49]
    boosters = [77, 105]
    done_days = induction + boosters
    entries = []
    for offset in range(DAYS):
        if rng.random() < 0.12:
            continue
        mood = round(_mood_curve(offset, induction, boosters) + rng.gauss(0, 0.8))
        mood = max(1, min(10, mood))
        high = mood >= 6
        entries.append(
            EntryPut(
                day=start + timedelta(days=offset),
                time=time(21, rng.randrange(0, 60)),
                mood=mood,
                anxiety=max(0, min(10, 10 - mood + rng.randint(-1, 1))),
                energy=max(0, min(10, mood + rng.randint(-2, 1))),
                sleep_hours=round(rng.uniform(5.5, 8.5) if high else rng.uniform(4, 9.5), 1),
                tags=rng.sample(TAGS, rng.randint(0, 3)),
                note=rng.choice(NOTES_HIGH if high else NOTES_LOW) if rng.random() < 0.4 else "",
            )
        )
    treatments = []
    for number, offset in enumerate(done_days):
        day = start + timedelta(days=offset)
        treatments.append(
            TreatmentPut(
                at=datetime.fromisoformat(f"{day.isoformat()}T10:00:00{tz_offset}"),
                kind="iv_infusion",
                status="done",
                dose_mg=round(0.5 * 70, 1),
                clinic="Riverside Ketamine Clinic",
                side_effects=["dissociation", "nausea"] if number < 2 else ["dissociation"],
                notes="Booster."
                if offset in boosters
                else f"Induction infusion {number + 1} of 6.",
            )
        )
    planned = today + timedelta(days=9)
    treatments.append(
        TreatmentPut(
            at=datetime.fromisoformat(f"{planned.isoformat()}T10:00:00{tz_offset}"),
            kind="iv_infusion",
            status="planned",
            clinic="Riverside Ketamine Clinic",
        )
    )
    assessments = []
    for offset in range(6, DAYS, 14):
        severity = max(0.0, min(3.0, (9 - _mood_curve(offset, induction, boosters)) / 2.4))
        answers = [max(0, min(3, round(severity + rng.uniform(-0.6, 0.6)))) for _ in range(9)]
        answers[8] = 0
        taken = datetime.fromisoformat(
            f"{(start + timedelta(days=offset)).isoformat()}T19:30:00{tz_offset}"
        )
        assessments.append(
            AssessmentPut(instrument="phq9", answers=answers, difficulty=1, taken_at=taken)
        )
        gad = [max(0, min(3, round(severity * 0.8 + rng.uniform(-0.6, 0.6)))) for _ in range(7)]
        assessments.append(
            AssessmentPut(instrument="gad7", answers=gad, taken_at=taken + timedelta(minutes=5))
        )
    return entries, treatments, assessments


def _replace_demo(conn: sqlite3.Connection, keys: Keyring, password_hash: str, today: date) -> None:
    old = conn.execute("SELECT id FROM users WHERE username = ?", (USERNAME,)).fetchone()
    if old is not None:
        destroy_data_key(conn, keys, old[0])
    conn.execute("DELETE FROM users WHERE username = ?", (USERNAME,))
    now = datetime.now(UTC)
    conn.execute(
        "INSERT INTO users (username, password_hash, display_name, timezone, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (USERNAME, password_hash, "Demo Patient", TIMEZONE, now.isoformat()),
    )
    user_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    create_data_key(conn, keys, user_id, now.isoformat())
    entries, treatments, assessments = build(today)
    for kind, bodies in ((ENTRY, entries), (TREATMENT, treatments), (ASSESSMENT, assessments)):
        for number, body in enumerate(bodies):
            encoded = kind.encode(body, ZoneInfo(TIMEZONE), now)
            record_id = str(uuid.uuid5(NAMESPACE, f"{user_id}:{kind.name}:{number}"))
            stamp = now.isoformat(timespec="milliseconds")
            records.put_row(conn, keys, user_id, kind.name, record_id, None, encoded, stamp)


async def create_demo(settings: Settings) -> tuple[str, str]:
    """(Re)create the demo account, so its dates always end today."""
    db = await Database.open(settings.db_path, settings.key_path)
    try:
        today = datetime.now(ZoneInfo(TIMEZONE)).date()
        await db.write(_replace_demo, db.keyring, PasswordHasher().hash(PASSWORD), today)
        await db.checkpoint()  # the old demo's pages, zeroed, out of the WAL
    finally:
        await db.close()
    return USERNAME, PASSWORD
