"""Seed a Waypoint database for benchmarks: realistic check-ins, treatments and questionnaires.

Records are made by the app's own code: the kinds' Structs (``EntryPut``, ``TreatmentPut``,
``AssessmentPut``), their ``prepare_*`` functions (validation, scoring, safety flags, the local
day) and their encoders; they are stored with ``api.store.records.put_row`` for small files,
and with the very same INSERT statement via ``executemany`` for big ones (``put_row`` looks up
the row and bumps the account's change counter first, three statements a row). Sessions are
made with ``api.store.sessions.insert_session``, so a benchmark client can log in with a cookie
and no argon2.

    python -m bench.seed --db bench.sqlite3               # the benchmark's single-user file
    python bench/seed.py --users 10000 --days 365         # the scale file (10 000 users x 1 year)

Each user's history: about a month of low mood, an induction series of six IV infusions over
two to three weeks, then boosters every three to six weeks (a lift after each that fades),
PHQ-9 and GAD-7 every two weeks, ~90 % of days logged with a few gaps, some tags and notes.
The sessions' secrets are written next to the database as ``<db>.sessions.json``.

PostgreSQL is seeded from such a file with ``waypoint copy``'s own code
(``api.store.copy.copy_database``): users, sessions, records, change numbers and the wrapped
data keys move as they are, so the same cookies log in and the same key file opens the text.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as Time
from pathlib import Path
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from api.domain import crypto
from api.domain.accounts import User
from api.domain.kinds import KINDS, AssessmentPut, BloodPressure, Encoded, EntryPut, TreatmentPut
from api.domain.passwords import HASHER
from api.store import db as database
from api.store import keys
from api.store.records import put_row
from api.store.sessions import insert_session

PASSWORD = "bench-password-1"
INSERT_SQL = (  # the statement api.store.records.put_row runs for a new record
    "INSERT INTO records (user_id, kind, id, version, seq, day, flagged, deleted, "
    "updated_at, data, secret) VALUES (?, ?, ?, 1, ?, ?, ?, 0, ?, ?, ?)"
)
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "UTC",
)
TAGS = (
    "walk",
    "therapy",
    "work",
    "family",
    "tired",
    "headache",
    "friends",
    "outside",
    "integration",
    "journaling",
    "poor sleep",
    "exercise",
    "meditation",
    "rain",
)
NOTES = (
    "Slept badly, heavy morning.",
    "Integration session today; talked about the last infusion and what came up.",
    "Walked the dog twice. Noticed the light on the river, which I haven't in months.",
    "Flat day. Not worse, not better.",
    "Dissociation wore off after about an hour; my sister drove me home.",
    "Headache in the afternoon, better after water and a nap.",
    "First day in a while that I wanted to cook.",
    "Work was a lot. Anxiety high before the meeting, fine after.",
    "Felt the lift fading a bit this week. Booster is booked.",
    "Called an old friend — it was easier than I expected.",
)
SIDE_EFFECTS = (
    "dissociation",
    "nausea",
    "dizziness",
    "raised blood pressure",
    "headache",
    "blurred vision",
    "fatigue",
)
CLINICS = ("Riverside Ketamine Clinic", "North Shore Infusion Centre", "Dr. Okafor's practice")


class Record(NamedTuple):
    day: str  # local day, the merge key for a day-major write order
    user_id: int
    kind: str
    id: str
    data: Encoded
    updated_at: str


class Profile(NamedTuple):
    """How one seeded user's history is shaped."""

    days: int
    treatments: int | None = None  # None: an induction series then boosters every 3-6 weeks
    assessments: int | None = None  # None: PHQ-9 and GAD-7 every 14 days


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _bp(rng: random.Random, raised: int = 0) -> BloodPressure:
    return BloodPressure(systolic=rng.randint(110, 135) + raised, diastolic=rng.randint(70, 85))


def treatment_days(rng: random.Random, days: int, count: int | None) -> list[int]:
    """Day offsets of the done treatments: induction (6 in ~18 days) then boosters."""
    if count is not None:  # evenly spread (the ten-year profile: a fixed number)
        start = min(30, days // 10)
        step = (days - start) / count
        return [start + int(i * step) for i in range(count)]
    start = min(30, max(days // 8, 1))
    found = [start + offset for offset in (0, 2, 4, 7, 9, 11) if start + offset < days]
    day = found[-1] if found else start
    while True:
        day += rng.randint(21, 42)
        if day >= days:
            return found
        found.append(day)


def checkin(rng: random.Random, day: date, expected_mood: float, infusion_day: bool) -> EntryPut:
    mood = max(0, min(10, round(expected_mood + rng.gauss(0, 1.0))))
    if infusion_day and rng.random() < 0.5:
        mood = min(10, mood + 1)
    tags = rng.sample(TAGS, rng.randint(1, 3)) if rng.random() < 0.35 else []
    if infusion_day:
        tags = ["infusion day", *tags[:2]]
    note = rng.choice(NOTES) if rng.random() < 0.15 else ""
    return EntryPut(
        day=day,
        time=Time(rng.randint(7, 22), rng.choice((0, 15, 30, 45))),
        mood=mood,
        anxiety=max(0, min(10, 10 - mood + rng.randint(-2, 2))),
        energy=max(0, min(10, mood + rng.randint(-2, 2))),
        sleep_hours=rng.choice((5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0)),
        tags=tags,
        note=note,
    )


def treatment(rng: random.Random, day: date, tz: ZoneInfo, induction: bool) -> TreatmentPut:
    """A done infusion (one in twenty boosters cancelled)."""
    at = datetime(day.year, day.month, day.day, rng.choice((9, 10, 11, 14)), 0, tzinfo=tz)
    cancelled = not induction and rng.random() < 0.05
    return TreatmentPut(
        at=at,
        kind="iv_infusion" if rng.random() < 0.85 else "esketamine_nasal",
        status="cancelled" if cancelled else "done",
        dose_mg=round(rng.uniform(30, 60), 1),
        clinic=rng.choice(CLINICS),
        notes="Induction series." if induction else "Booster.",
        side_effects=rng.sample(SIDE_EFFECTS, rng.randint(0, 3)),
        bp_before=_bp(rng),
        bp_after=_bp(rng, raised=rng.randint(0, 25)),
    )


Instrument = Literal["phq9", "gad7"]


def assessment_plan(profile: Profile) -> list[tuple[int, Instrument]]:
    """(day offset, instrument): both every two weeks, or ``profile.assessments`` in turn."""
    both: tuple[Instrument, Instrument] = ("phq9", "gad7")
    if profile.assessments is None:
        return [(offset, each) for offset in range(0, profile.days, 14) for each in both]
    step = profile.days / profile.assessments
    return [(int(i * step), both[i % 2]) for i in range(profile.assessments)]


def assessment(
    rng: random.Random, day: date, tz: ZoneInfo, instrument: Instrument, severity: float
) -> AssessmentPut:
    items = 9 if instrument == "phq9" else 7
    answers = [max(0, min(3, round(severity * 3 + rng.gauss(0, 0.6)))) for _ in range(items)]
    if instrument == "phq9" and rng.random() > 0.03:
        answers[8] = 0  # item 9 positive only now and then
    return AssessmentPut(
        instrument=instrument,
        answers=answers,
        taken_at=datetime(day.year, day.month, day.day, 19, 30, tzinfo=tz),
        difficulty=rng.randint(0, 3) if instrument == "phq9" else None,
    )


def user_records(user: User, profile: Profile, end: date, now: datetime, seed: int) -> list[Record]:
    """One user's whole history, oldest first, as stored rows."""
    rng = random.Random(seed)
    tz = ZoneInfo(user.timezone)
    first = end - timedelta(days=profile.days - 1)
    done = treatment_days(rng, profile.days, profile.treatments)
    done_set = set(done)
    baseline = rng.uniform(2.0, 4.0)
    responder = rng.random() < 0.7
    out: list[Record] = []

    def add(kind: str, day: date, body: Any) -> None:
        encoded = KINDS[kind].encode(body, user.tz, now)
        stamp = f"{day.isoformat()}T{rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}:00.000+00:00"
        out.append(Record(encoded.day, user.id, kind, _uuid(rng), encoded, stamp))

    # Mood: baseline, plus a lift after each treatment that fades over ~2 weeks, plus noise.
    def mood_on(offset: int) -> float:
        lift = 0.0
        for t in done:
            if t <= offset:
                lift = max(lift, (3.5 if responder else 1.2) * math.exp(-(offset - t) / 14))
        return baseline + lift + (0.8 if responder and done and offset > done[0] + 30 else 0)

    gap_left = 0
    for offset in range(profile.days):
        day = first + timedelta(days=offset)
        if gap_left:
            gap_left -= 1
        elif rng.random() < 0.01:
            gap_left = rng.randint(2, 6)  # a few days away from the app
        if not gap_left and rng.random() < 0.92:
            for _ in range(2 if rng.random() < 0.02 else 1):
                entry = checkin(rng, day, mood_on(offset), infusion_day=offset in done_set)
                add("entry", day, entry)
        if offset in done_set:
            induction = offset in done[:6]
            add("treatment", day, treatment(rng, day, tz, induction))
    # A planned booster a couple of weeks ahead.
    ahead = end + timedelta(days=rng.randint(7, 21))
    planned = TreatmentPut(
        at=datetime(ahead.year, ahead.month, ahead.day, 10, tzinfo=tz),
        kind="iv_infusion",
        status="planned",
        clinic=CLINICS[0],
    )
    add("treatment", ahead, planned)
    for offset, instrument in assessment_plan(profile):
        day = first + timedelta(days=offset)
        severity = max(0.0, min(1.0, (10 - mood_on(offset)) / 9 + rng.gauss(0, 0.08)))
        add("assessment", day, assessment(rng, day, tz, instrument, severity))
    out.sort(key=lambda record: record.day)
    return out


KEYRING: dict[str, keys.Keyring] = {}  # per seeded file: its server key, made with the file


def keyring_of(conn: sqlite3.Connection) -> keys.Keyring:
    return KEYRING[conn.execute("PRAGMA database_list").fetchone()[2]]


def open_db(path: Path) -> sqlite3.Connection:
    """A new database file with the app's pragmas, schema, key file and key store."""
    for suffix in ("", "-wal", "-shm", ".sessions.json", ".meta.json", ".key", ".keys"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys.make_private(path)
    keyring = keys.Keyring(keys.load_server_key(keys.default_key_file(path), path))
    conn = sqlite3.connect(path, isolation_level=None)
    database.configure(conn)
    keys.attach(conn, path)
    database.migrate(conn)
    conn.execute(keys.KEY_STORE_SCHEMA)
    KEYRING[conn.execute("PRAGMA database_list").fetchone()[2]] = keyring
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while seeding only
    return conn


def add_user(
    conn: sqlite3.Connection, username: str, timezone: str, password_hash: str, now: datetime
) -> tuple[User, str]:
    cursor = conn.execute(
        "INSERT INTO users (username, password_hash, display_name, timezone, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (username, password_hash, username.title(), timezone, now.isoformat()),
    )
    user_id = int(cursor.lastrowid or 0)
    keys.create_data_key(conn, keyring_of(conn), user_id, now.isoformat())
    secret = insert_session(conn, user_id, "waypoint-bench", now.timestamp())
    user = User(
        id=user_id,
        username=username,
        display_name=username.title(),
        timezone=timezone,
        baseline_date=None,
        created_at=now.isoformat(),
        session_id="",
    )
    return user, secret


def write_with_put_row(conn: sqlite3.Connection, records: list[Record]) -> None:
    """The app's own write function, one call per record, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    keyring = keyring_of(conn)
    for r in records:
        put_row(conn, keyring, r.user_id, r.kind, r.id, None, r.data, r.updated_at)
    conn.execute("COMMIT")


def write_bulk(conn: sqlite3.Connection, records: Iterator[Record], batch: int = 200_000) -> int:
    """The same INSERT as put_row (text sealed the same way), with seq numbers assigned in
    order, in big transactions."""
    seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0])
    keyring = keyring_of(conn)
    written = 0
    chunk: list[tuple[Any, ...]] = []
    for r in records:
        seq += 1
        e = r.data
        aead = keyring.of(conn, r.user_id)
        assert aead is not None
        aad = crypto.record_aad(r.user_id, r.kind, r.id)
        secret = crypto.seal(aead, aad, e.private) if e.private else None
        chunk.append(
            (r.user_id, r.kind, r.id, seq, e.day, e.flagged, r.updated_at, e.plain, secret)
        )
        if len(chunk) >= batch:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_SQL, chunk)
            conn.execute("COMMIT")
            written += len(chunk)
            chunk.clear()
    if chunk:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_SQL, chunk)
        conn.execute("COMMIT")
        written += len(chunk)
    # Each account's change counter continues above its numbers (as put_row's would).
    conn.execute(
        "UPDATE users SET change_seq = "
        "(SELECT COALESCE(MAX(seq), 0) FROM records WHERE records.user_id = users.id)"
    )
    return written


def finish(conn: sqlite3.Connection, path: Path, sessions: list[dict[str, Any]]) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    Path(str(path) + ".sessions.json").write_text(json.dumps(sessions), encoding="utf-8")


def seed_bench(
    path: Path, days: int = 3 * 365, decade: bool = True, writers: Sequence[str] = ()
) -> dict[str, Any]:
    """The benchmark file: 'patient' and 'writer' (``days`` of history each; write loads use
    'writer' so that read loads keep reading the same data), 'decade' (ten years, 200
    treatments, 250 questionnaires) and ``writers``, accounts with no history (for writes
    spread over many accounts). Returns the sessions (username -> cookie secret)."""
    now = datetime.now(UTC)
    conn = open_db(path)
    password_hash = HASHER.hash(PASSWORD)
    sessions = []
    profiles = [
        ("patient", "America/New_York", Profile(days)),
        ("writer", "America/New_York", Profile(days)),  # the write loads' account
    ]
    if decade:
        profiles.append(("decade", "Europe/Berlin", Profile(3650, 199, 250)))
    for number, (name, timezone, profile) in enumerate(profiles):
        user, secret = add_user(conn, name, timezone, password_hash, now)
        end = now.astimezone(ZoneInfo(timezone)).date()
        records = user_records(user, profile, end, now, seed=1000 + number)
        write_with_put_row(conn, records)
        sessions.append(
            {
                "user_id": user.id,
                "username": name,
                "secret": secret,
                "records": len(records),
                "days": profile.days,
            }
        )
    for name in writers:
        user, secret = add_user(conn, name, "America/New_York", password_hash, now)
        sessions.append(
            {"user_id": user.id, "username": name, "secret": secret, "records": 0, "days": 0}
        )
    finish(conn, path, sessions)
    return {"sessions": sessions}


def seed_scale(path: Path, users: int, days: int, log: bool = True) -> dict[str, Any]:
    """``users`` users with ``days`` of history each, written day by day across users (as a
    real deployment fills its file), in transactions of 200 000 rows."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    conn = open_db(path)
    password_hash = HASHER.hash(PASSWORD)
    conn.execute("BEGIN IMMEDIATE")
    people = []
    sessions = []
    for number in range(users):
        timezone = ZONES[number % len(ZONES)]
        user, secret = add_user(conn, f"user{number:05d}", timezone, password_hash, now)
        people.append(user)
        sessions.append({"user_id": user.id, "username": user.username, "secret": secret})
    conn.execute("COMMIT")
    end = now.astimezone(UTC).date() - timedelta(days=1)  # yesterday: valid in every zone

    def history(user: User, number: int) -> Iterator[Record]:
        yield from user_records(user, Profile(days), end, now, seed=number)

    merged = heapq.merge(*(history(u, n) for n, u in enumerate(people)), key=lambda r: r.day)
    written = write_bulk(conn, merged) if users > 1 else 0
    if users == 1:
        records = list(history(people[0], 0))
        write_with_put_row(conn, records)
        written = len(records)
    finish(conn, path, sessions)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    meta = {
        "users": users,
        "days": days,
        "records": written,
        "seconds": seconds,
        "bytes": size,
        "path": str(path),
    }
    Path(str(path) + ".meta.json").write_text(json.dumps(meta), encoding="utf-8")
    if log:
        print(
            f"seeded {users} users x {days} days: {written} records in {seconds:.1f} s, "
            f"{size / 1e6:.1f} MB ({path})",
            flush=True,
        )
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.seed", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="file to create (replaced if it exists)")
    parser.add_argument(
        "--users", type=int, default=0, help="scale mode: this many users (e.g. 10000)"
    )
    parser.add_argument(
        "--days",
        type=int,
        default=0,
        help="days of history per user (default 1095 single-user, 365 scale)",
    )
    args = parser.parse_args(argv)
    if args.users:
        days = args.days or 365
        path = args.db or Path(f"bench/results/scale-{args.users}x{days}.sqlite3")
        seed_scale(path, args.users, days)
    else:
        path = args.db or Path("bench/results/bench.sqlite3")
        started = time.perf_counter()
        result = seed_bench(path, days=args.days or 3 * 365)
        counts = ", ".join(f"{s['username']}: {s['records']} records" for s in result["sessions"])
        print(f"seeded {path} in {time.perf_counter() - started:.1f} s ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
