"""The start-up step of migration 0008: text written before encryption is sealed in place.

With ``store/records.py`` and ``store/trend_reads.py``, the only module that touches the
``records`` table; it runs once per database, one account per transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import msgspec

from api.domain import crypto
from api.domain.kinds import KINDS
from api.store.db import Database
from api.store.keys import Keyring, create_data_key


def _pending_users(conn: sqlite3.Connection) -> list[int]:
    return [user_id for (user_id,) in conn.execute("SELECT user_id FROM encrypt_pending")]


def _ensure_key(conn: sqlite3.Connection, keys: Keyring, user_id: int, now: str) -> None:
    if keys.of(conn, user_id) is None:
        create_data_key(conn, keys, user_id, now)


def _encrypt_user(conn: sqlite3.Connection, keys: Keyring, user_id: int) -> int:
    """Move one account's private fields from ``data`` into ``secret``; the record's content,
    version and seq stay as they are (nothing changed for its owner or their phones)."""
    aead = keys.of(conn, user_id)
    assert aead is not None, "the key is made (and committed) first"
    found = conn.execute(
        "SELECT kind, id, data FROM records WHERE user_id = ? AND deleted = 0 "
        "AND secret IS NULL AND data IS NOT NULL",
        (user_id,),
    ).fetchall()
    moved = 0
    for kind, record_id, data in found:
        fields = msgspec.json.decode(data)
        names = KINDS[kind].private_fields if kind in KINDS else ()
        private = {name: fields.pop(name) for name in names if name in fields}
        if not private:
            continue
        secret = crypto.seal(
            aead, crypto.record_aad(user_id, kind, record_id), msgspec.json.encode(private)
        )
        conn.execute(
            "UPDATE records SET data = ?, secret = ? WHERE user_id = ? AND kind = ? AND id = ?",
            (msgspec.json.encode(fields), secret, user_id, kind, record_id),
        )
        moved += 1
    conn.execute("DELETE FROM encrypt_pending WHERE user_id = ?", (user_id,))
    return moved


async def encrypt_existing(db: Database, now: datetime) -> int:
    """Encrypt the text of records stored before migration 0008, one account per transaction
    (so a restart resumes where it stopped); then empty the WAL of the plaintext pages."""
    moved = 0
    pending = await db.read(_pending_users)
    for user_id in pending:
        await db.write(_ensure_key, db.keyring, user_id, now.isoformat())
        moved += await db.write(_encrypt_user, db.keyring, user_id)
    if pending:
        await db.checkpoint()
    return moved
