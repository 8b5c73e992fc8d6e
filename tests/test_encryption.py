"""Journal text encrypted at rest (issue 11, point 13): what reaches the disk, what a backup
holds after an account is deleted, and databases from before encryption (key rotation, on both
engines: ``tests/test_rotation.py``).

Every check reads the raw bytes of the files (the database, its -wal and -shm, the key store),
the way someone holding a copy of them would.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import cli
from api.app import create_app
from api.domain import crypto
from api.domain.kinds import ENTRY as ENTRY_KIND
from api.domain.kinds import KINDS
from api.settings import Settings
from api.store import keys
from api.store.db import MIGRATIONS_DIR
from tests.helpers import CANARY, PASSWORD, holding, new_id, register, write_journal

Client = AsyncTestClient[Litestar]


def stored(db_path: Path, kind: str) -> list[tuple[bytes, bytes | None]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT data, secret FROM records WHERE kind = ?", (kind,)).fetchall()
    finally:
        conn.close()


async def test_private_fields_reach_the_disk_only_as_ciphertext(
    alice: Client, settings: Settings
) -> None:
    ids = await write_journal(alice, "alice")
    assert holding(settings.db_path, CANARY.encode()) == []
    # The answers and the difficulty are sealed too; total and band stay plain for the trends.
    ((data, secret),) = stored(settings.db_path, "assessment")
    assert b"answers" not in data
    assert b"difficulty" not in data
    assert b'"total":9' in data
    assert secret is not None
    assert secret[:1] == crypto.FORMAT
    # The owner reads everything back, by id, in lists, in the changes feed and the archive.
    entry = (await alice.get(f"/api/entries/{ids['entries']}")).json()
    assert entry["note"] == f"{CANARY}-alice"
    assert entry["tags"] == [f"{CANARY}-alice-tag"]
    treatment = (await alice.get("/api/treatments")).json()[0]
    assert treatment["clinic"] == f"{CANARY}-alice-clinic"
    assert treatment["side_effects"] == [f"{CANARY}-alice-nausea"]
    assessment = (await alice.get(f"/api/assessments/{ids['assessments']}")).json()
    assert assessment["answers"] == [1, 2, 1, 1, 0, 1, 2, 1, 0]
    assert assessment["difficulty"] == 1
    changes = (await alice.get("/api/changes?since=0")).json()["changes"]
    assert {c["record"]["note"] for c in changes if c["kind"] == "entry"} == {f"{CANARY}-alice"}
    archive = (await alice.get("/api/export/archive")).json()
    assert archive["treatments"][0]["notes"] == f"{CANARY}-alice-notes"


async def test_a_repeated_put_is_still_a_replay(alice: Client) -> None:
    # Sealing uses a fresh nonce each time; the replay check compares the decrypted content.
    record_id, body = new_id(), {"day": "2026-11-20", "mood": 5, "note": "same words"}
    first = (await alice.put(f"/api/entries/{record_id}", json=body)).json()
    again = await alice.put(f"/api/entries/{record_id}", json=body)
    assert again.status_code == 200
    assert again.json()["version"] == first["version"]


async def test_ciphertext_is_bound_to_its_record(
    alice: Client, bob: Client, settings: Settings
) -> None:
    await write_journal(alice, "alice")
    bob_ids = await write_journal(bob, "bob")
    # Copy Alice's sealed note over Bob's (same kind): it must not open as Bob's text.
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        (alice_secret,) = conn.execute(
            "SELECT secret FROM records r JOIN users u ON u.id = r.user_id "
            "WHERE u.username = 'alice' AND kind = 'entry'"
        ).fetchone()
        conn.execute(
            "UPDATE records SET secret = ? WHERE id = ?", (alice_secret, bob_ids["entries"])
        )
    finally:
        conn.close()
    response = await bob.get(f"/api/entries/{bob_ids['entries']}")
    assert response.status_code == 500
    assert CANARY not in response.text
    assert response.json()["detail"] == "This record's text cannot be decrypted on this server."


def test_each_kind_names_real_fields_as_private() -> None:
    for kind in KINDS.values():
        names = {field.name for field in msgspec.structs.fields(kind.out_type)}
        assert kind.private_fields, kind.name
        assert set(kind.private_fields) <= names, kind.name
    body = ENTRY_KIND.validate({"day": "2026-11-20", "mood": 4, "tags": ["t"], "note": "n"})
    encoded = ENTRY_KIND.encode(body, ZoneInfo("UTC"), datetime(2026, 11, 21, tzinfo=UTC))
    assert msgspec.json.decode(encoded.private) == {"tags": ["t"], "note": "n"}
    assert msgspec.json.decode(encoded.plain) == {"day": "2026-11-20", "mood": 4}


async def log_in(client: Client, username: str) -> None:
    response = await client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


def wrapped_keys_of(db_path: Path) -> list[bytes]:
    store = sqlite3.connect(keys.key_store_path(db_path))
    try:
        return [wrapped for (wrapped,) in store.execute("SELECT wrapped FROM data_keys")]
    finally:
        store.close()


async def test_a_deleted_accounts_text_is_unreadable_in_an_earlier_backup(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "live" / "waypoint.sqlite3")
    app = create_app(settings)
    backup = tmp_path / "before-deletion.sqlite3"
    async with AsyncTestClient(app=app) as alice:
        bob = AsyncTestClient(app=app)
        bob.blocking_portal = alice.blocking_portal
        await register(alice, "alice")
        alice_ids = await write_journal(alice, "alice")
        await register(bob, "bob")
        bob_ids = await write_journal(bob, "bob")
        assert cli.main(["backup", str(backup), "--db", str(settings.db_path)]) == 0
        wrapped_keys = wrapped_keys_of(settings.db_path)
        gone = await alice.request("DELETE", "/api/account", json={"password": PASSWORD})
        assert gone.status_code == 204
    # The old backup holds Alice's records, sealed: her words are not in its bytes.
    old = backup.read_bytes()
    assert CANARY.encode() not in old
    assert len(wrapped_keys) == 2
    assert not any(wrapped in old for wrapped in wrapped_keys)
    conn = sqlite3.connect(backup)
    try:
        alice_sealed = conn.execute(
            "SELECT r.kind, r.id, r.secret, u.id FROM records r JOIN users u ON u.id = r.user_id "
            "WHERE u.username = 'alice' AND r.secret IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    assert {row[1] for row in alice_sealed} == set(alice_ids.values())
    # No data key that survives (the live key store, opened with the live key file) opens them.
    server = crypto.cipher(keys.read_key_file(settings.key_path))
    store = sqlite3.connect(keys.key_store_path(settings.db_path))
    try:
        surviving = [
            crypto.cipher(crypto.unwrap(server, key_id, wrapped))
            for key_id, wrapped in store.execute("SELECT key_id, wrapped FROM data_keys")
        ]
    finally:
        store.close()
    assert len(surviving) == 1  # Bob's
    for kind, record_id, secret, user_id in alice_sealed:
        for data_key in surviving:
            with pytest.raises(crypto.CannotDecrypt):
                crypto.unseal(data_key, crypto.record_aad(user_id, kind, record_id), secret)
    # Restored the way an operator restores (the old database beside today's key file and key
    # store), the backup still serves Bob; Alice's text is gone for good.
    restored = tmp_path / "restored" / "waypoint.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)
    shutil.copyfile(settings.key_path, Settings(db_path=restored).key_path)
    shutil.copyfile(keys.key_store_path(settings.db_path), keys.key_store_path(restored))
    app = create_app(Settings(db_path=restored))
    async with AsyncTestClient(app=app) as client:
        await log_in(client, "bob")
        bob_entry = await client.get(f"/api/entries/{bob_ids['entries']}")
        assert bob_entry.json()["note"] == f"{CANARY}-bob"
        await log_in(client, "alice")  # her account row is in the old file, her key is not
        alice_entry = await client.get(f"/api/entries/{alice_ids['entries']}")
        assert alice_entry.status_code == 500
        assert CANARY not in alice_entry.text


async def test_a_missing_key_file_stops_start_up_instead_of_making_a_new_one(
    tmp_path: Path,
) -> None:
    settings = Settings(db_path=tmp_path / "waypoint.sqlite3")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client, "ana")
    settings.key_path.unlink()
    with pytest.raises(SystemExit, match="restore the key file"):
        keys.load_server_key(settings.key_path, settings.db_path)
    assert not settings.key_path.exists()


def old_database(path: Path) -> None:
    """A database as the version before encryption left it: schema 1, text in the clear."""
    from api.domain.passwords import HASHER

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript((MIGRATIONS_DIR / "0001_init.sql").read_text(encoding="utf-8"))
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO users (username, password_hash, created_at) VALUES ('ana', ?, ?)",
            (HASHER.hash(PASSWORD), "2026-11-01T00:00:00+00:00"),
        )
        now = datetime(2026, 11, 21, tzinfo=UTC)
        for seq, (kind, body) in enumerate(
            [
                ("entry", {"day": "2026-11-20", "mood": 6, "tags": [CANARY], "note": CANARY}),
                ("treatment", {"at": "2026-11-18T10:00:00-05:00", "kind": "oral",
                               "status": "done", "clinic": CANARY, "notes": CANARY}),
            ],
            start=1,
        ):  # fmt: skip
            encoded = KINDS[kind].encode(KINDS[kind].validate(body), ZoneInfo("UTC"), now)
            conn.execute(
                "INSERT INTO records (user_id, kind, id, version, seq, day, flagged, deleted, "
                "updated_at, data) VALUES (1, ?, ?, 1, ?, ?, 0, 0, ?, ?)",
                (kind, f"00000000-0000-4000-8000-00000000000{seq}", seq, encoded.day,
                 now.isoformat(), crypto.merge_json(encoded.plain, encoded.private)),
            )  # fmt: skip
    finally:
        conn.close()


async def test_start_up_encrypts_the_text_of_an_older_database(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "waypoint.sqlite3")
    old_database(settings.db_path)
    assert CANARY.encode() in settings.db_path.read_bytes()
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert holding(settings.db_path, CANARY.encode()) == []
        await log_in(client, "ana")
        entry = await client.get("/api/entries/00000000-0000-4000-8000-000000000001")
        assert entry.json()["note"] == CANARY
        assert entry.json()["version"] == 1
        treatment = await client.get("/api/treatments/00000000-0000-4000-8000-000000000002")
        assert treatment.json()["clinic"] == CANARY
    conn = sqlite3.connect(settings.db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM encrypt_pending").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM records WHERE secret IS NULL").fetchone()[0] == 0
    finally:
        conn.close()
    assert holding(settings.db_path, CANARY.encode()) == []


async def test_an_account_whose_key_was_lost_gets_a_new_one_at_its_next_write(
    tmp_path: Path,
) -> None:
    settings = Settings(db_path=tmp_path / "waypoint.sqlite3")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client, "alice")
    # What a crash between the two files' commits at registration could leave: no key row.
    store = sqlite3.connect(keys.key_store_path(settings.db_path), isolation_level=None)
    try:
        store.execute("DELETE FROM data_keys")
    finally:
        store.close()
    record_id, body = new_id(), {"day": "2026-11-20", "mood": 6, "note": f"{CANARY}-after"}
    async with AsyncTestClient(app=create_app(settings)) as client:
        await log_in(client, "alice")
        assert (await client.put(f"/api/entries/{record_id}", json=body)).status_code == 201
        entry = await client.get(f"/api/entries/{record_id}")
        assert entry.json()["note"] == f"{CANARY}-after"
    assert holding(settings.db_path, CANARY.encode()) == []
