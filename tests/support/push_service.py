"""A push service as the tests see it: an HTTP server on 127.0.0.1 that takes Web Push
requests for devices the tests make, decrypts each payload with its device's own keys
(RFC 8291, aes128gcm, as a browser does) and checks its VAPID signature (RFC 8292).

``Device`` is a browser's side: its ECDH key pair and auth secret, made here with
``cryptography``, and the subscription JSON it would POST. ``PushService.answer`` sets
the status a device's endpoint answers (201 unless told)."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from tests.support.hook_server import running, send


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Device:
    """One browser's subscription: where its pushes go and the keys they are sealed for."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def subscription(self) -> dict:
        """What ``PushSubscription.toJSON()`` gives in a browser."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict:
        """The payload of a push to this device, decrypted as its browser would."""
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


@dataclass
class Push:
    """One request the push service received."""

    path: str
    headers: dict
    body: bytes


@dataclass
class PushService:
    """The server's state: what it received, and what each path answers."""

    url: str = ""
    received: list[Push] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def device(self, name: str) -> Device:
        """A new device whose endpoint is on this service (``/push/<name>``)."""
        return Device(f"{self.url}/push/{name}")

    def answer(self, device: Device, status: int) -> None:
        """Have ``device``'s endpoint answer ``status``."""
        self.statuses[device.endpoint.removeprefix(self.url)] = status

    def to(self, device: Device) -> list[Push]:
        """The pushes received for ``device``."""
        path = device.endpoint.removeprefix(self.url)
        return [push for push in self.received if push.path == path]


def vapid_key_of(push: Push) -> str:
    """The public key a push's VAPID Authorization header names, after checking that its
    signature verifies with it (AssertionError if not)."""
    authorization = push.headers["Authorization"]
    assert Vapid02.verify(authorization), "the VAPID signature does not verify"
    return dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(","))["k"]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        service: PushService = self.server.service
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with service.lock:
            service.received.append(Push(self.path, dict(self.headers.items()), body))
        send(self, service.statuses.get(self.path, 201))

    def log_message(self, format: str, *args) -> None:
        pass


@contextmanager
def push_service() -> Iterator[PushService]:
    """A push service on a free loopback port while the block runs."""
    service = PushService()
    with running(_Handler, service=service) as url:
        service.url = url
        yield service
