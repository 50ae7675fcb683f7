"""Who a socket belongs to: its session cookie, read once at the handshake.

Channels' ``AuthMiddlewareStack`` does the same job in three layers: a cookie parser, a
session middleware that wraps the socket's ``send`` to save a modified session on every
frame sent (a socket never modifies one), and an auth middleware whose lazy user loads
the session and then the user in two trips to the database thread. Here one trip reads
both (:func:`chat.people.accounts.signed_in`, Django's own checks) and nothing wraps ``send``:
a frame fanned out to a room goes straight to the server.

The scope gets ``session`` (the session store, read) and ``user`` (the signed-in user,
or ``AnonymousUser``), as the consumers expect from Channels.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.conf import settings
from django.http.cookie import parse_cookie

from chat.people import accounts


def session_key_of(scope: dict) -> str | None:
    """The session key the socket's ``Cookie`` header carries, if any."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            cookies = parse_cookie(value.decode("latin1"))
            return cookies.get(settings.SESSION_COOKIE_NAME)
    return None


class SocketAuthMiddleware:
    """ASGI middleware for sockets: ``scope["session"]`` and ``scope["user"]`` from the
    session cookie, in one trip to the database thread."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive, send):
        session, user = await database_sync_to_async(accounts.signed_in)(session_key_of(scope))
        return await self.inner(dict(scope, session=session, user=user), receive, send)
