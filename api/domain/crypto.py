"""Journal text at rest: AES-256-GCM under a per-user data key, each data key wrapped (encrypted)
by the server key. Pure: bytes in, bytes out; where the keys live is ``api/store/keys.py``.

Every ciphertext is bound to where it belongs by its associated data: a record's text to its
user, kind and id, a wrapped data key to its key id. A ciphertext copied to another record or
another account fails to open instead of showing someone else's text.

Layout of a sealed value: one format byte, a 96-bit random nonce, then the ciphertext with its
128-bit tag. With random nonces one key may seal about 2**32 values (NIST SP 800-38D); a user
writes a few thousand records a year.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
FORMAT = b"\x01"  # the first byte of every sealed value, so a later format can be told apart
OVERHEAD = len(FORMAT) + NONCE_BYTES + 16


class CannotDecrypt(Exception):
    """A sealed value did not open: the wrong key (a destroyed or replaced one), other associated
    data (copied from elsewhere) or altered bytes. Never carries the bytes themselves."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def cipher(key: bytes) -> AESGCM:
    """The AEAD for a key; build it once per key (it expands the key schedule)."""
    if len(key) != KEY_BYTES:
        raise ValueError("an AES-256 key is 32 bytes")
    return AESGCM(key)


def seal(aead: AESGCM, associated: bytes, plaintext: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + aead.encrypt(nonce, plaintext, associated)


def unseal(aead: AESGCM, associated: bytes, sealed: bytes) -> bytes:
    if len(sealed) < OVERHEAD or sealed[:1] != FORMAT:
        raise CannotDecrypt("not a sealed value")
    nonce = sealed[1 : 1 + NONCE_BYTES]
    try:
        return aead.decrypt(nonce, sealed[1 + NONCE_BYTES :], associated)
    except InvalidTag:
        raise CannotDecrypt("wrong key, wrong place or altered bytes") from None


def key_aad(key_id: bytes) -> bytes:
    return b"waypoint data key:" + key_id


def record_aad(user_id: int, kind: str, record_id: str) -> bytes:
    return f"waypoint record:{user_id}:{kind}:{record_id}".encode()


def wrap(server: AESGCM, key_id: bytes, data_key: bytes) -> bytes:
    """A data key encrypted under the server key, bound to its key id."""
    return seal(server, key_aad(key_id), data_key)


def unwrap(server: AESGCM, key_id: bytes, wrapped: bytes) -> bytes:
    return unseal(server, key_aad(key_id), wrapped)


def merge_json(plain: bytes, private: bytes) -> bytes:
    """One JSON object from two compact ones (``{"a":1}`` + ``{"b":2}``), so a record decodes in
    one call. Either may be empty (no private fields, or an old row)."""
    if not private or private == b"{}":
        return plain
    if not plain or plain == b"{}":
        return private
    return plain[:-1] + b"," + private[1:]
