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
- On PostgreSQL the same table is ``keystore.data_keys``, a schema of the database itself; the
  SQL here runs unchanged on both. ``rotation.py`` re-wraps every row under a new server key.
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


def old_key_path(key_file: Path) -> Path:
    """Where ``waypoint rotate-key`` keeps the retired key until the re-wrapping has committed;
    while it exists, a server refuses to start (``rotation.py``)."""
    return key_file.with_name(key_file.name + ".old")


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


def parse_key(text: str) -> bytes | None:
    """The key a key file's text holds (64 hex digits), or None if it holds none."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        return None
    return key if len(key) == crypto.KEY_BYTES else None


def read_key_file(path: Path) -> bytes:
    try:
        key = parse_key(path.read_text(encoding="ascii"))
    except UnicodeDecodeError:
        key = None
    if key is None:
        raise SystemExit(f"The key file {path} is damaged: it must hold 64 hex digits.")
    return key


def load_server_key(key_file: Path, db_path: Path) -> bytes:
    """The server key; a new one at the first start (no database yet, or one with no keys)."""
    if old_key_path(key_file).exists():
        raise SystemExit(
            f"{old_key_path(key_file)} exists: a key rotation is under way or was interrupted. "
            "Once no `waypoint rotate-key` is running, run it again to finish it, then start "
            "the server."
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

    ``waypoint rotate-key`` may replace the key file under a running server (``rotation.py``).
    The data keys themselves never change, so those already unwrapped stay valid; a wrapped key
    that no longer opens under the server key in memory is tried once more under the key the
    key file holds now, which then replaces it. A server whose key file was not updated (another
    machine) cannot open those keys, and refuses to make new ones (``current``) rather than wrap
    them under a retired key that will open nothing once it is gone.
    """

    def __init__(self, server_key: bytes, key_file: Path | None = None) -> None:
        self.server = crypto.cipher(server_key)
        self._server_key = server_key
        self._key_file = key_file
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
        aead = crypto.cipher(self.unwrap(row[0], row[1]))
        with self._lock:
            self._keys[user_id] = aead
        return aead

    def unwrap(self, key_id: bytes, wrapped: bytes) -> bytes:
        """A data key, opened with the server key, or with the key file's newer one (which is
        then kept) after a rotation; ``CannotDecrypt`` if neither opens it."""
        return self._open(key_id, wrapped)[0]

    def current(self, conn: sqlite3.Connection, besides: bytes = b"") -> AESGCM:
        """The server key the stored data keys (other than ``besides``) are wrapped under: the
        one in memory, or the key file's newer one; ``CannotDecrypt`` if neither opens them."""
        row = sample_key(conn, besides)
        if row is None:
            return self.server
        try:
            return self._open(*row)[1]
        except crypto.CannotDecrypt:
            raise crypto.CannotDecrypt(
                "the key file does not open the stored data keys: was the key rotated on "
                "another app server? Copy its key file here."
            ) from None

    def _open(self, key_id: bytes, wrapped: bytes) -> tuple[bytes, AESGCM]:
        server = self.server
        try:
            return crypto.unwrap(server, key_id, wrapped), server
        except crypto.CannotDecrypt:
            newer = self._newer_key()
            if newer is None:
                raise
        server = crypto.cipher(newer)
        data_key = crypto.unwrap(server, key_id, wrapped)  # raises if it does not open either
        with self._lock:
            self.server, self._server_key = server, newer
        return data_key, server

    def _newer_key(self) -> bytes | None:
        """The key the key file holds now, if it is readable and not the one in use."""
        if self._key_file is None:
            return None
        try:
            key = parse_key(self._key_file.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError):
            return None
        return key if key is not None and key != self._server_key else None

    def forget(self, user_id: int) -> None:
        with self._lock:
            self._keys.pop(user_id, None)


def server_keyring(key_file: Path, db_path: Path) -> Keyring:
    """The keyring of a server: its key from ``key_file`` (see ``load_server_key``), re-read from
    there after a rotation."""
    return Keyring(load_server_key(key_file, db_path), key_file)


def sample_key(conn: sqlite3.Connection, besides: bytes = b"") -> tuple[bytes, bytes] | None:
    """One stored (key id, wrapped key): every one is wrapped under the same server key."""
    row = conn.execute(
        "SELECT key_id, wrapped FROM keystore.data_keys WHERE key_id <> ? LIMIT 1", (besides,)
    ).fetchone()
    return (bytes(row[0]), bytes(row[1])) if row is not None else None


def any_data_keys(conn: sqlite3.Connection) -> bool:
    """Whether any account has a data key (PostgreSQL's keystore schema)."""
    return conn.execute("SELECT 1 FROM keystore.data_keys LIMIT 1").fetchone() is not None


def create_data_key(conn: sqlite3.Connection, keyring: Keyring, user_id: int, now: str) -> None:
    """Give an account a new data key (its old key id, if any, is replaced).

    The key is wrapped under the server key that the other stored keys are wrapped under, read
    after the INSERT: on PostgreSQL the INSERT waits for a rotation in progress (which holds the
    table locked) to commit, so a rotation either re-wraps this key too or has already moved
    the others to the key file's new key, which ``current`` then picks up (or refuses if this
    server's key file is out of date: the transaction rolls back and nothing is lost).
    """
    key_id, data_key = os.urandom(KEY_ID_BYTES), crypto.new_key()
    server = keyring.server
    conn.execute(
        "INSERT INTO keystore.data_keys (key_id, wrapped, created_at) VALUES (?, ?, ?)",
        (key_id, crypto.wrap(server, key_id, data_key), now),
    )
    current = keyring.current(conn, besides=key_id)
    if current is not server:
        conn.execute(
            "UPDATE keystore.data_keys SET wrapped = ? WHERE key_id = ?",
            (crypto.wrap(current, key_id, data_key), key_id),
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
