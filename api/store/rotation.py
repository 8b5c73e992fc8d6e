"""``waypoint rotate-key``: every data key re-wrapped under a new server key, on either engine.

The data keys stay the same (the journal is not rewritten); only their wrapping changes, in
one transaction through the store's ``db.write``: on SQLite in the key store file ``<db>.keys``
(the writer's ``BEGIN IMMEDIATE`` holds it), on PostgreSQL in the ``keystore`` schema, whose
table is locked against writes (``EXCLUSIVE``: reads go on) so that no key is added or removed
half-way. A new data key made meanwhile waits for the commit and is then wrapped under the new
key (``keys.create_data_key``).

The key file and the key store cannot change in one atomic step, so the files are changed in an
order that leaves, at every moment, a key file on disk that opens every data key, and says
which (see ``rotate``). Servers keep running: the ones that read this key file follow the new
key at the first wrapped key the old one no longer opens (``keys.Keyring``); the others need
the new file copied to them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.domain import crypto
from api.store.db import Database, is_postgres
from api.store.keys import old_key_path, read_key_file, sample_key, write_key_file


class RotationRefused(Exception):
    """Nothing to rotate, or neither key file opens the stored keys: the message says which."""


def rewrap_all(conn: sqlite3.Connection, old: AESGCM, new: AESGCM) -> int:
    """Re-wrap every data key under a new server key (the data keys themselves stay)."""
    if is_postgres(conn):  # writers wait until this commits; readers go on
        conn.execute("LOCK TABLE keystore.data_keys IN EXCLUSIVE MODE")
    rows = conn.execute("SELECT key_id, wrapped FROM keystore.data_keys").fetchall()
    for key_id, wrapped in rows:
        data_key = crypto.unwrap(old, key_id, wrapped)  # one that does not open: all roll back
        conn.execute(
            "UPDATE keystore.data_keys SET wrapped = ? WHERE key_id = ?",
            (crypto.wrap(new, key_id, data_key), key_id),
        )
    return len(rows)


async def opens_with(db: Database, server_key: bytes) -> bool:
    """True if the stored data keys are wrapped under this server key (or there are none)."""
    row = await db.read(sample_key)
    if row is None:
        return True
    try:
        crypto.unwrap(crypto.cipher(server_key), *row)
    except crypto.CannotDecrypt:
        return False
    return True


async def settle(db: Database, key_file: Path) -> None:
    """Finish what an interrupted rotation left: keep whichever key the store is wrapped under."""
    old = old_key_path(key_file)
    if not old.exists():
        return
    if key_file.exists() and await opens_with(db, read_key_file(key_file)):  # noqa: ASYNC240
        old.unlink()  # the rotation had committed
    elif await opens_with(db, read_key_file(old)):
        os.replace(old, key_file)  # it had not: the old key is still the one
        _sync_folder(key_file)
    else:
        raise RotationRefused(f"Neither {key_file} nor {old} opens the stored data keys.")


async def rotate(db: Database, key_file: Path) -> int:
    """Re-wrap every data key under a new server key; returns how many.

    The order, so that a crash at any point leaves a key file that opens every data key:

    1. a rotation interrupted before is settled (``settle``: whichever key opens the store
       stays the key file);
    2. the current key is copied to ``<key_file>.old``, written and fsynced: servers refuse to
       start while it exists, so none starts on a key that is about to change;
    3. the new key is written to ``<key_file>.new`` (fsynced), then renamed over ``<key_file>``
       and the folder fsynced: both keys are now on disk, the store still opens with ``.old``;
    4. every data key is re-wrapped in one transaction: the store now opens with ``<key_file>``;
    5. only then is ``.old`` removed.

    A crash before 4 commits leaves ``.old`` opening the store, a crash after it ``<key_file>``;
    running ``rotate-key`` again keeps the one that opens (step 1), then rotates. If the
    re-wrapping fails, the same check runs at once; when it cannot tell (the connection to
    PostgreSQL was lost during COMMIT, which may have landed), both files stay for the next run:
    the new key is never thrown away while data keys might be wrapped under it.
    """
    old = old_key_path(key_file)
    if not key_file.exists() and not old.exists():  # noqa: ASYNC240
        raise RotationRefused(f"No key file at {key_file}: nothing to rotate.")
    await settle(db, key_file)
    current, new = read_key_file(key_file), crypto.new_key()
    write_key_file(old, current)
    pending = key_file.with_name(key_file.name + ".new")
    pending.unlink(missing_ok=True)
    write_key_file(pending, new)
    os.replace(pending, key_file)
    _sync_folder(key_file)
    try:
        count = await db.write(rewrap_all, crypto.cipher(current), crypto.cipher(new))
    except BaseException:
        with contextlib.suppress(Exception):
            await settle(db, key_file)
        raise
    await db.checkpoint()  # SQLite: the old wrappings leave the key store's WAL file
    old.unlink()
    _sync_folder(key_file)
    return count


def _sync_folder(path: Path) -> None:
    """Make a rename or removal in ``path``'s folder durable (a file's own fsync does not)."""
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
