"""Web Push delivery (RFC 8030 / 8291 / 8292) and the reminder scheduler of a server process.

The VAPID key pair is made at first start, in a ``0600`` file beside the database; its public key
is the ``applicationServerKey`` a browser subscribes with. A payload is encrypted for the one
browser (``aes128gcm``, pywebpush's ``WebPusher.encode`` over ``http_ece``) and signed for the
push service's origin (a VAPID JWT, ES256, py-vapid), then POSTed with aiohttp: every wait is
async, so a slow push service never holds a request up.

The push service sees the ciphertext, its size and when it is sent — never the text. Logs name a
subscription by its id and the push service's host only: the endpoint's path is a capability.
A 404 or 410 answer means the browser dropped the subscription: it is deleted. 429 and 5xx and
network errors are retried with back-off; anything else is logged and given up.

An endpoint is a URL an account chose, so a push must never reach into the server's own network
(server-side request forgery): redirects are not followed (a push service answers 201 itself),
and every name is resolved by ``PublicAddresses``, which keeps only public addresses — checked
when connecting, so a name that resolved to a public address when the browser subscribed and to
a private one now (DNS rebinding) is refused too. ``push_allow_local`` (tests) turns this off.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
import msgspec
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPusher

from api.domain.reminders import Payload, due_at
from api.store import reminders as store
from api.store.db import Database

log = logging.getLogger("waypoint.push")
Outcome = Literal["delivered", "gone", "failed"]
Sleep = Callable[[float], Awaitable[None]]
RETRY_DELAYS = (2.0, 10.0, 30.0)  # seconds before the 2nd, 3rd and 4th attempt
TTL_SECONDS = 4 * 3600  # a reminder still waiting after 4 hours is no use: the service drops it
JWT_HOURS = 12
TIMEOUT = aiohttp.ClientTimeout(total=15)


def vapid_path(db_path: Path, setting: str) -> Path:
    return Path(setting) if setting else db_path.with_name(db_path.name + ".vapid.pem")


def load_vapid(path: Path) -> Vapid02:
    """The server's VAPID key, made on first start. Written to a temporary file and linked into
    place, so two processes starting together end up with the same one key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Vapid02()
        fresh.generate_keys()
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(fresh.private_pem())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return Vapid02.from_file(str(path))


def public_key(vapid: Vapid02) -> str:
    """The ``applicationServerKey``: the raw P-256 point, base64url without padding."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_public(address: str) -> bool:
    """An address on the public internet (not loopback, private, link-local, reserved...)."""
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


class PublicAddresses(AbstractResolver):
    """Resolves as usual, then keeps only public addresses: none left is a connection error."""

    def __init__(self) -> None:
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        resolved = await self._resolver.resolve(host, port, family)
        found = [each for each in resolved if is_public(each["host"])]
        if not found:
            raise OSError("the push endpoint's name has no public address")
        return found

    async def close(self) -> None:
        await self._resolver.close()


class Pusher:
    """Sends encrypted, signed pushes; open with ``start()`` inside the running loop."""

    def __init__(
        self,
        vapid: Vapid02,
        subject: str,
        sleep: Sleep = asyncio.sleep,
        allow_local: bool = False,
    ) -> None:
        self.vapid = vapid
        self.subject = subject
        self.sleep = sleep
        self.allow_local = allow_local
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = None if self.allow_local else aiohttp.TCPConnector(resolver=PublicAddresses())
        self._session = aiohttp.ClientSession(timeout=TIMEOUT, connector=connector)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _request(
        self, subscription: store.Subscription, payload: Payload
    ) -> tuple[bytes, dict[str, str]]:
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        body = WebPusher(info).encode(msgspec.json.encode(payload), "aes128gcm")["body"]
        claims = {
            "sub": self.subject,
            "aud": origin_of(subscription.endpoint),
            "exp": int(time.time()) + JWT_HOURS * 3600,
        }
        headers = {
            **self.vapid.sign(claims),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "normal",
        }
        return body, headers

    async def deliver(
        self,
        subscription: store.Subscription,
        payload: Payload,
        delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> Outcome:
        """One push to one browser, retried with back-off on 429, 5xx and network errors."""
        assert self._session is not None, "Pusher.start() was not called"
        host = urlsplit(subscription.endpoint).hostname or ""
        if not self.allow_local and is_address(host) and not is_public(host):
            # An address written in the URL is never resolved, so PublicAddresses never sees it.
            log.warning("push to a non-public address refused (subscription %s)", subscription.id)
            return "failed"
        for attempt in range(len(delays) + 1):
            problem = ""
            try:
                body, headers = self._request(subscription, payload)
                async with self._session.post(
                    subscription.endpoint, data=body, headers=headers, allow_redirects=False
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = type(exc).__name__
            else:
                if status < 300:
                    return "delivered"
                if status in (404, 410):
                    log.info("push subscription %s is gone (%s): deleted", subscription.id, status)
                    return "gone"
                if status != 429 and status < 500:
                    log.warning(
                        "push to %s refused: %s (subscription %s)", host, status, subscription.id
                    )
                    return "failed"
                problem = f"status {status}"
            if attempt == len(delays):
                break
            log.warning(
                "push to %s failed: %s; retry in %s s (subscription %s)",
                host,
                problem,
                delays[attempt],
                subscription.id,
            )
            await self.sleep(delays[attempt])
        log.error("push to %s given up (subscription %s)", host, subscription.id)
        return "failed"


async def deliver_all(
    db: Database,
    pusher: Pusher,
    subscriptions: list[store.Subscription],
    payload: Payload,
    delays: tuple[float, ...] = RETRY_DELAYS,
) -> int:
    """Send one payload to several browsers at once; delete the gone ones; count deliveries."""
    outcomes = await asyncio.gather(
        *(pusher.deliver(each, payload, delays) for each in subscriptions)
    )
    for subscription, outcome in zip(subscriptions, outcomes, strict=True):
        if outcome == "gone":
            await db.write(store.delete_subscription, subscription.id)
    return sum(outcome == "delivered" for outcome in outcomes)


class Scheduler:
    """Each tick: who has a reminder due now, claim it in the database, send it.

    ``tick(now)`` is the whole of one minute's work, driven with any instant by a test; ``run``
    calls it every ``interval`` seconds with the app's clock.
    """

    def __init__(
        self, db: Database, pusher: Pusher, clock: Callable[[], datetime], interval: float
    ) -> None:
        self.db = db
        self.pusher = pusher
        self.clock = clock
        self.interval = interval

    async def tick(self, now: datetime) -> int:
        candidates = due_at(now, await self.db.read(store.schedules))
        if not candidates:
            return 0
        sends, already = await self.db.write(store.claim_due, candidates, now)
        if already:
            log.debug("reminders: %s due already claimed (process %s)", already, os.getpid())
        delivered = await asyncio.gather(
            *(deliver_all(self.db, self.pusher, send.subscriptions, send.payload) for send in sends)
        )
        for send, count in zip(sends, delivered, strict=True):
            log.info(
                "reminder %s sent to user %s: %s of %s delivered",
                send.candidate.kind,
                send.candidate.user_id,
                count,
                len(send.subscriptions),
            )
        return sum(delivered)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.tick(self.clock())
            except Exception:  # one bad tick must not end the reminders of a running server
                log.exception("reminder tick failed")
