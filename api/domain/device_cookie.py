"""Device cookies (OWASP's "Slow down online guessing attacks with device cookies").

A successful log-in gives the browser a cookie signed by the server that says "this device has
logged in to <username>". A log-in that carries a valid one is exempt from the per-username
limit (it keeps a small limit of its own), so ten wrong passwords from an attacker elsewhere can
never lock the owner out of their own phone; everyone else is still limited per username and per
client address.

The cookie is ``<payload>.<signature>``: the payload is base64url of
``<username>|<device id>|<issued, unix seconds>`` (the username lowercased, the device id 96
random bits), the signature HMAC-SHA256 under a server secret, also base64url.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import NamedTuple


class Device(NamedTuple):
    username: str
    device_id: str
    issued: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue(key: bytes, username: str, now: float, device_id: str | None = None) -> str:
    """A signed cookie value for a device that just logged in (keeps its id when it had one)."""
    device = device_id or secrets.token_urlsafe(12)
    payload = _b64(f"{username.lower()}|{device}|{int(now)}".encode())
    return f"{payload}.{_sign(key, payload)}"


def verify(key: bytes, value: str | None, username: str, now: float, max_age: float) -> str | None:
    """The device id of a valid, unexpired cookie for ``username``; None for anything else."""
    if not value or value.count(".") != 1 or len(value) > 400:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(_sign(key, payload), signature):
        return None
    try:
        name, device, issued = _unb64(payload).decode().split("|")
        age = now - int(issued)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if name != username.lower() or not 0 <= age <= max_age:
        return None
    return device
