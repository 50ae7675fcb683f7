"""Sockets through the real ASGI application, as a browser of this site opens them, and the
frames a room socket is sent and answers."""

from __future__ import annotations

import importlib
import json
from collections.abc import Awaitable, Callable

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

HOST = b"localhost"
ORIGIN = b"http://localhost"

#: How long a test waits for a frame it expects, in seconds.
TIMEOUT = 3
#: A composer's id for one send, as the page makes it (a UUID).
CLIENT_ID = "0b7e3c4e-9d2a-4f1e-8c55-3f1f0a6b2c11"


def asgi_application():
    """The application ``site/asgi.py`` serves: origin check, auth, routing, consumers."""
    return importlib.import_module("site.asgi").application


def session_cookie(user, client: Client | None = None) -> bytes:
    """A ``Cookie`` header value signing ``user`` in, as a browser would send it: a new
    session, or ``client``'s own (already signed in)."""
    if client is None:
        client = Client()
        client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


class EncodingCommunicator(WebsocketCommunicator):
    """A test socket that, like a real server, must encode every frame it is sent.

    The test communicator hands text over as Python strings; daphne encodes it as UTF-8
    and dies on a lone surrogate. Every frame received here is encoded the same way.
    """

    async def receive_output(self, timeout: float = 1):
        output = await super().receive_output(timeout)
        if output.get("type") == "websocket.send" and output.get("text") is not None:
            output["text"].encode("utf-8")
        return output


SocketFactory = Callable[..., Awaitable[WebsocketCommunicator]]


async def refused_with(socket: WebsocketCommunicator, code: int) -> None:
    """Assert the server accepted ``socket`` only to close it at once with ``code``."""
    assert socket.accepted, "the socket was refused at the handshake"
    assert await socket.receive_output(3) == {"type": "websocket.close", "code": code}


def frame(**fields) -> str:
    """A frame as the htmx ws extension sends it: the form's fields plus HEADERS."""
    return json.dumps({**fields, "HEADERS": {"HX-Request": "true", "HX-Trigger": "composer-form"}})


async def receive_frames(socket: WebsocketCommunicator, count: int) -> list[str]:
    """The next ``count`` frames ``socket`` receives."""
    return [await socket.receive_from(timeout=TIMEOUT) for _ in range(count)]


async def drain(socket: WebsocketCommunicator) -> list[str]:
    """Every frame the socket receives until it falls silent."""
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        frames.append(await socket.receive_from(TIMEOUT))
    return frames


def message_frames(frames: list[str]) -> list[str]:
    """The frames of ``frames`` that append messages to the page's list."""
    return [f for f in frames if f.startswith('<div id="messages" hx-swap-oob="beforeend"')]
