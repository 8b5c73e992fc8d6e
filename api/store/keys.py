"""Where the keys live: the server key in the key file, the users' wrapped data keys in the key
store, and the private files themselves (``0600`` whatever the umask).

- The key file (setting ``key_file``, default ``<db>.key`` beside the database) holds the 32-byte
  server key, written once, at the first start. Without it no journal text can be read.
- The key store is a small SQLite file of its own (``<db>.keys``), attached to every connection
  as ``keystore``: one row per account, its data key wrapped by the server key. It is a separate
  file so that a backup of the database (``waypoint backup``, or a copy of the file) never holds
  a data key: deleting an account deletes its row here, and from then on that account's text is
  unreadable in every earlier database backup, even with the key file.
- A user's key id (``users.key_id``, random) names the row, so an account id that SQLite hands
  out again after a deletion never finds the old key.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.domain import crypto

PRIVATE_MODE = 0o600
KEY_ID_BYTES = 16
SIDE_FILES = ("-wal", "-shm", "-journal")


def key_store_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def default_key_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".key")


def create_private(path: Path) -> None:
    """Create an empty file readable by its owner only (``O_EXCL``: fails if it exists)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_MODE)  # the umask cannot loosen it, and nothing else did
    finally:
        os.close(descriptor)


def make_private(db_path: Path) -> None:
    """A database file (and its WAL, shared-memory and journal files, if any) owner-only.

    SQLite creates ``-wal`` and ``-shm`` with the permissions of the database file itself, so
    creating the database ``0600`` before SQLite opens it is what keeps them private too. Files
    from an older version are tightened here.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if not db_path.exists():
        create_private(db_path)
    for path in (db_path, *(Path(str(db_path) + suffix) for suffix in SIDE_FILES)):
        if path.exists() and path.stat().st_mode & 0o777 != PRIVATE_MODE:
            os.chmod(path, PRIVATE_MODE)


def write_key_file(path: Path, key: bytes) -> None:
    """Write a new key file (``0600``), durably, refusing to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    create_private(path)
    descriptor = os.open(path, os.O_WRONLY)
    try:
        os.write(descriptor, key.hex().encode() + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_key_file(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise SystemExit(f"The key file {path} is damaged: it must hold 64 hex digits.") from None
    if len(key) != crypto.KEY_BYTES:
        raise SystemExit(f"The key file {path} is damaged: it must hold 64 hex digits.")
    return key


def load_server_key(key_file: Path, db_path: Path) -> bytes:
    """The server key; a new one at the first start (no database yet, or one with no keys)."""
    if old_key_path(key_file).exists():
        raise SystemExit(
            f"{old_key_path(key_file)} exists: a key rotation was interrupted. Run "
            "`waypoint rotate-key` again to finish it before starting the server."
        )
    if key_file.exists():
        if key_file.stat().st_mode & 0o777 != PRIVATE_MODE:
            os.chmod(key_file, PRIVATE_MODE)  # e.g. restored from a backup by a wide umask
        return read_key_file(key_file)
    store = key_store_path(db_path)
    if store.exists() and _has_keys(store):
        # Creating a new key now would leave every stored text unreadable: stop instead.
        raise SystemExit(
            f"The key file {key_file} is missing but {store} holds data keys: restore the key "
            "file from its backup (README, 'Storage')."
        )
    key = crypto.new_key()
    try:
        write_key_file(key_file, key)
    except FileExistsError:
        # Another process of the same deployment (a --workers sibling) wrote it first: use its.
        return _read_when_written(key_file)
    return key


def _read_when_written(key_file: Path) -> bytes:
    for _ in range(50):
        if len(key_file.read_bytes().strip()) == crypto.KEY_BYTES * 2:
            return read_key_file(key_file)
        time.sleep(0.05)
    return read_key_file(key_file)


def _has_keys(store: Path) -> bool:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return bool(conn.execute("SELECT 1 FROM data_keys LIMIT 1").fetchone())
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


# --- SQL (run on the database thread) ------------------------------------------------------

KEY_STORE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS keystore.data_keys ("
    "key_id BLOB PRIMARY KEY, wrapped BLOB NOT NULL, created_at TEXT NOT NULL) STRICT"
)


def attach(conn: sqlite3.Connection, db_path: Path) -> None:
    conn.execute("ATTACH DATABASE ? AS keystore", (str(key_store_path(db_path)),))
    conn.execute("PRAGMA keystore.journal_mode = WAL")
    conn.execute("PRAGMA keystore.synchronous = FULL")
    conn.execute("PRAGMA keystore.secure_delete = ON")


def offline_keyring(
    conn: sqlite3.Connection, db_path: Path, key_file: Path | None = None
) -> Keyring:
    """For reading a database file (or a backup) outside the server: attach the key store of
    the deployment at ``db_path`` to ``conn`` and load its server key."""
    attach(conn, db_path)
    return Keyring(read_key_file(key_file or default_key_file(db_path)))


class Keyring:
    """The server key and the data keys in use, unwrapped once and kept in memory.

    Shared by the database threads: a lookup is a dict read, and two threads unwrapping the same
    key at once would only do the work twice.
    """

    def __init__(self, server_key: bytes) -> None:
        self.server = crypto.cipher(server_key)
        self._keys: dict[int, AESGCM] = {}
        self._lock = threading.Lock()

    def of(self, conn: sqlite3.Connection, user_id: int) -> AESGCM | None:
        """The user's data key, or None if the account has none (deleted, or never made)."""
        found = self._keys.get(user_id)
        if found is not None:
            return found
        row = conn.execute(
            "SELECT u.key_id, k.wrapped FROM users u "
            "JOIN keystore.data_keys k ON k.key_id = u.key_id WHERE u.id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        aead = crypto.cipher(crypto.unwrap(self.server, row[0], row[1]))
        with self._lock:
            self._keys[user_id] = aead
        return aead

    def forget(self, user_id: int) -> None:
        with self._lock:
            self._keys.pop(user_id, None)


def any_data_keys(conn: sqlite3.Connection) -> bool:
    """Whether any account has a data key (PostgreSQL's keystore schema)."""
    return conn.execute("SELECT 1 FROM keystore.data_keys LIMIT 1").fetchone() is not None


def create_data_key(conn: sqlite3.Connection, keyring: Keyring, user_id: int, now: str) -> None:
    """Give an account a new data key (its old key id, if any, is replaced)."""
    key_id = os.urandom(KEY_ID_BYTES)
    wrapped = crypto.wrap(keyring.server, key_id, crypto.new_key())
    conn.execute(
        "INSERT INTO keystore.data_keys (key_id, wrapped, created_at) VALUES (?, ?, ?)",
        (key_id, wrapped, now),
    )
    conn.execute("UPDATE users SET key_id = ? WHERE id = ?", (key_id, user_id))
    keyring.forget(user_id)


def destroy_data_key(conn: sqlite3.Connection, keyring: Keyring, user_id: int) -> None:
    """Crypto-shred an account: its data key is gone, so is every copy of its text."""
    conn.execute(
        "DELETE FROM keystore.data_keys WHERE key_id = (SELECT key_id FROM users WHERE id = ?)",
        (user_id,),
    )
    keyring.forget(user_id)


def rewrap_all(conn: sqlite3.Connection, old: AESGCM, new: AESGCM) -> int:
    """Re-wrap every data key under a new server key (the data keys themselves stay). Runs on a
    connection to the key store file itself."""
    rows = conn.execute("SELECT key_id, wrapped FROM data_keys").fetchall()
    for key_id, wrapped in rows:
        data_key = crypto.unwrap(old, key_id, wrapped)
        conn.execute(
            "UPDATE data_keys SET wrapped = ? WHERE key_id = ?",
            (crypto.wrap(new, key_id, data_key), key_id),
        )
    return len(rows)


# --- rotation (``waypoint rotate-key``, with the server stopped) --------------------------------


def old_key_path(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".old")


def _opens_with(conn: sqlite3.Connection, server_key: bytes) -> bool:
    """True if the key store's data keys are wrapped under this server key (or there are none)."""
    row = conn.execute("SELECT key_id, wrapped FROM data_keys LIMIT 1").fetchone()
    if row is None:
        return True
    try:
        crypto.unwrap(crypto.cipher(server_key), row[0], row[1])
    except crypto.CannotDecrypt:
        return False
    return True


def _settle(conn: sqlite3.Connection, key_file: Path) -> None:
    """Finish what an interrupted rotation left: keep whichever key the store is wrapped under."""
    old = old_key_path(key_file)
    if not old.exists():
        return
    if key_file.exists() and _opens_with(conn, read_key_file(key_file)):
        old.unlink()  # the rotation had committed
    elif _opens_with(conn, read_key_file(old)):
        os.replace(old, key_file)  # it had not: the old key is still the one
    else:
        raise SystemExit(f"Neither {key_file} nor {old} opens the key store.")


def rotate(db_path: Path, key_file: Path) -> int:
    """Re-wrap every data key under a new server key; returns how many.

    Order, so that a crash at any point loses nothing: the current key is copied to
    ``<key_file>.old``; the new key replaces ``<key_file>`` (written to a temporary file, then
    renamed); the re-wrapping commits in one transaction; only then is ``.old`` removed. A run
    after an interruption first keeps whichever key the store is wrapped under.
    """
    if not key_file.exists() and not old_key_path(key_file).exists():
        raise SystemExit(f"No key file at {key_file}: nothing to rotate.")
    make_private(key_store_path(db_path))
    conn = sqlite3.connect(key_store_path(db_path), isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute(KEY_STORE_SCHEMA.replace("keystore.", ""))
        _settle(conn, key_file)
        current = read_key_file(key_file)
        old = old_key_path(key_file)
        write_key_file(old, current)
        new = crypto.new_key()
        pending = key_file.with_name(key_file.name + ".new")
        pending.unlink(missing_ok=True)
        write_key_file(pending, new)
        os.replace(pending, key_file)
        conn.execute("BEGIN IMMEDIATE")
        try:
            count = rewrap_all(conn, crypto.cipher(current), crypto.cipher(new))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            os.replace(old, key_file)
            raise
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        old.unlink()
        return count
    finally:
        conn.close()
