"""``waypoint demo``: an account with about 120 days of realistic, made-up data.

The story, built so the demo shows every trends rule: five weeks of low mood before treatment
(a baseline of 14 fully logged days), an induction series of six IV infusions over about two
and a half weeks, a lift that fades until mood dips back to baseline, a booster given after
that dip (its lift measured from its own day), a second booster, and a planned booster ahead.
The PHQ-9 falls from 17 at baseline to 8 (a response) with a bump during the dip; every done
session has a blood-pressure reading before and after. Times are 10:00 and 19:30 wall-clock in
the demo's time zone, with that zone's real rules (daylight saving included), never a fixed
offset. Check-ins skip a day now and then, as real ones do. The data goes through the same
versioned-record code as the API (``Kind.prepare`` and ``put_row``).
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

from api.domain.kinds import (
    ASSESSMENT,
    ENTRY,
    TREATMENT,
    AssessmentPut,
    BloodPressure,
    EntryPut,
    TreatmentPut,
)
from api.settings import Settings
from api.store import records
from api.store.engine import open_database
from api.store.keys import Keyring, create_data_key, destroy_data_key

USERNAME = "demo"
PASSWORD = "demo-password"  # noqa: S105  (the demo account is public on purpose)
TIMEZONE = "America/New_York"
CLINIC_PHONE = "+1 555 0100"
PATIENT_REFERENCE = "DEMO-0001"
DAYS = 120
NAMESPACE = uuid.UUID("6f1d7a52-93c4-4d0b-a7de-3f0a1c9e5b11")
INDUCTION = (35, 37, 40, 42, 45, 49)
BOOSTERS = (80, 105)  # the first comes after the dip of days 72-79
DIP = range(72, 80)
#: PHQ-9 totals every 14 days from day 6: the one on day 34 is the baseline (the day before
#: the first infusion), 8 at the end is a 53 % fall (a response); 13 is the dip.
PHQ9_TOTALS = (18, 19, 17, 12, 9, 13, 8, 7, 8)

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


def _mood_level(offset: int) -> float:
    """Baseline 3; induction lifts it to about 6.5; it fades to a dip at 2.5; boosters lift it."""
    if offset < INDUCTION[0]:
        return 3.0
    if offset < 52:
        return 3.0 + 3.5 * (offset - INDUCTION[0]) / (52 - INDUCTION[0])
    if offset < DIP.start:
        return 6.5 - 2.5 * (offset - 52) / (DIP.start - 52)
    if offset in DIP:
        return 2.5
    since = offset - (BOOSTERS[1] if offset >= BOOSTERS[1] else BOOSTERS[0])
    return 6.5 - 0.04 * since


def _answers(total: int, count: int, rng: random.Random) -> list[int]:
    """Answers 0-3 adding up to ``total``, spread over the items (the last PHQ-9 item stays 0)."""
    answers = [0] * count
    scored = count - 1 if count == 9 else count  # PHQ-9 item 9 is always 0 in the demo
    for _ in range(total):
        open_items = [i for i in range(scored) if answers[i] < 3]
        answers[rng.choice(open_items)] += 1
    return answers


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def build(today: date, seed: int = 7) -> tuple[list[Any], list[Any], list[Any]]:
    """Plain Structs for entries, treatments and assessments of the demo story."""
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    start = today - timedelta(days=DAYS - 1)
    entries = []
    for offset in range(DAYS):
        # Skip a day now and then, but never in the baseline fortnight, the induction or the dip.
        skippable = offset < INDUCTION[0] - 14 or (offset > 52 and offset not in DIP)
        if skippable and rng.random() < 0.12:
            continue
        mood = max(1, min(10, round(_mood_level(offset) + rng.gauss(0, 0.5))))
        if offset in DIP or INDUCTION[0] - 14 <= offset < INDUCTION[0]:
            mood = min(mood, 3)  # the baseline and the dip stay clearly at or below 3
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
    for number, offset in enumerate(INDUCTION + BOOSTERS):
        day = start + timedelta(days=offset)
        treatments.append(
            TreatmentPut(
                at=_at(day, 10, 0, tz),
                kind="iv_infusion",
                status="done",
                dose_mg=round(0.5 * 70, 1),
                clinic="Riverside Ketamine Clinic",
                side_effects=["dissociation", "nausea"] if number < 2 else ["dissociation"],
                bp_before=BloodPressure(rng.randint(120, 132), rng.randint(76, 84)),
                bp_after=BloodPressure(rng.randint(142, 162), rng.randint(88, 98)),
                notes="Booster."
                if offset in BOOSTERS
                else f"Induction infusion {number + 1} of {len(INDUCTION)}.",
            )
        )
    treatments.append(
        TreatmentPut(
            at=_at(today + timedelta(days=9), 10, 0, tz),
            kind="iv_infusion",
            status="planned",
            clinic="Riverside Ketamine Clinic",
        )
    )
    assessments = []
    for number, total in enumerate(PHQ9_TOTALS):
        taken = _at(start + timedelta(days=6 + 14 * number), 19, 30, tz)
        assessments.append(
            AssessmentPut(
                instrument="phq9",
                answers=_answers(total, 9, rng),
                difficulty=2 if total >= 15 else 1,
                taken_at=taken,
            )
        )
        gad = _answers(round(total * 0.7), 7, rng)
        assessments.append(
            AssessmentPut(
                instrument="gad7",
                answers=gad,
                difficulty=1,
                taken_at=taken + timedelta(minutes=5),
            )
        )
    return entries, treatments, assessments


def _replace_demo(conn: sqlite3.Connection, keys: Keyring, password_hash: str, today: date) -> None:
    old = conn.execute("SELECT id FROM users WHERE username = ?", (USERNAME,)).fetchone()
    if old is not None:
        destroy_data_key(conn, keys, old[0])
    conn.execute("DELETE FROM users WHERE username = ?", (USERNAME,))
    now = datetime.now(UTC)
    user_id = conn.execute(
        "INSERT INTO users (username, password_hash, display_name, timezone, created_at, "
        "clinic_phone, patient_reference) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            USERNAME,
            password_hash,
            "Demo Patient",
            TIMEZONE,
            now.isoformat(),
            CLINIC_PHONE,
            PATIENT_REFERENCE,
        ),
    ).fetchone()[0]
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
    db = await open_database(settings)
    try:
        today = datetime.now(ZoneInfo(TIMEZONE)).date()
        await db.write(_replace_demo, db.keyring, PasswordHasher().hash(PASSWORD), today)
        await db.checkpoint()  # the old demo's pages, zeroed, out of the WAL
    finally:
        await db.close()
    return USERNAME, PASSWORD
