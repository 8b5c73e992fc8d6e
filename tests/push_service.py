"""A local Web Push service for tests: it stands where a browser's push service would.

It listens on 127.0.0.1, checks each POST as a real push service does (a VAPID ``Authorization``
header whose ES256 JWT verifies against the key in it, ``aud`` = this service's origin, an
unexpired ``exp``, a ``sub`` contact), and then does what the browser would: decrypts the
``aes128gcm`` body with the subscriber's P-256 private key and auth secret (``http_ece``).

    with PushService() as service:
        browser = service.subscriber("ana")        # keys + endpoint, as PushSubscription JSON
        ...                                        # the server sends
        service.received("ana")                    # decrypted payloads, in order
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """One browser: its keys, its endpoint, and what it was sent."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    messages: list[dict[str, Any]] = field(default_factory=list)
    vapid_keys: list[str] = field(default_factory=list)  # the k= of each accepted push
    answers: list[int] = field(default_factory=list)  # statuses to answer next, then 201

    def subscription(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


def verify_vapid(authorization: str, origin: str) -> str:
    """Check a ``vapid t=<jwt>,k=<key>`` header (RFC 8292); return the key. Raises on failure."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization[:10]
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    token, key = parts["t"], parts["k"]
    signing_input, _, signature = token.rpartition(".")
    header = json.loads(unb64url(signing_input.split(".")[0]))
    claims = json.loads(unb64url(signing_input.split(".")[1]))
    assert header == {"typ": "JWT", "alg": "ES256"}, header
    raw = unb64url(signature)
    assert len(raw) == 64, "an ES256 signature is r || s, 32 bytes each"
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    assert claims["aud"] == origin, claims
    assert claims["exp"] > time.time(), claims
    assert str(claims["sub"]).startswith(("mailto:", "https://")), claims
    return key


class PushService:
    def __init__(self) -> None:
        self.subscribers: dict[str, Subscriber] = {}
        self.rejected: list[str] = []  # why a push was refused (bad signature, unknown path)
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                service.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def subscriber(self, name: str) -> Subscriber:
        found = Subscriber(
            name=name,
            endpoint=f"{self.origin}/push/{b64url(os.urandom(24))}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.subscribers[found.endpoint.rsplit("/", 1)[1]] = found
        return found

    def received(self, subscriber: Subscriber) -> list[dict[str, Any]]:
        with self.lock:
            return list(subscriber.messages)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        found = self.subscribers.get(request.path.rsplit("/", 1)[-1])
        status = 201
        with self.lock:
            if found is None:
                status = 404
            elif found.answers:
                status = found.answers.pop(0)
            else:
                try:
                    key = verify_vapid(request.headers.get("Authorization", ""), self.origin)
                    assert request.headers.get("Content-Encoding") == "aes128gcm"
                    assert int(request.headers.get("TTL", "-1")) >= 0
                    plain = http_ece.decrypt(
                        body, private_key=found.private_key, auth_secret=found.auth
                    )
                    found.messages.append(json.loads(plain))
                    found.vapid_keys.append(key)
                except Exception as exc:
                    self.rejected.append(repr(exc))
                    status = 403
        request.send_response(status)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


class Recorder:
    """A local HTTP server that records every request and answers ``status`` (with ``location``)."""

    def __init__(self, status: int = 201, location: str = "") -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                recorder.paths.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
