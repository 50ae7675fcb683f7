"""What every socket of a signed-in person shares: the close codes, how it refuses, how
events reach it, and that it closes when its session ends.

A socket the server will not serve is *accepted and then closed* with a code that says
why (4401 signed out, 4403 not allowed in this room, 4409 too many sockets of this
person open already, 1013 try again later). Refusing at
the handshake would reach the page only as a network failure (1006), which it cannot
tell from a server restart; a close code it can act on without asking the server again.

**Events.** The process's fan-out (``chat.broadcast.fanout``) calls a socket's handler for
each event of its groups, named by Channels' ``get_handler_name`` (``chat.message`` →
``chat_message``). The events that carry HTML for the page as is (``events.PAGE_HTML``)
share one handler, :meth:`PersonsSocket.pass_on`: a kind of socket lists the ones its page
shows in ``passes_on``, and the others go by it (a lobby is in its rooms' groups for their
new messages, not for their typing lines).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from chat.broadcast import events, fanout, presence, visibility
from chat.limits import SlidingWindowLimiter
from chat.people import accounts, profiles

#: Close codes. 1003, 1009 and 1013 are the WebSocket standard's own; 4xxx are ours and
#: tell the page not to reconnect.
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_SIGNED_OUT = 4401
#: Signed out because the password was changed (in another session): the page says so.
CLOSE_PASSWORD_CHANGED = 4402
CLOSE_NOT_ALLOWED = 4403
#: The person already has ``CHAT_SOCKETS_PER_PERSON`` sockets open (``chat.broadcast.presence``).
CLOSE_TOO_MANY_SOCKETS = 4409
CLOSE_FLOODING = 4429

logger = logging.getLogger(__name__)

T = TypeVar("T")


class PersonsSocket(AsyncWebsocketConsumer):
    """What every socket of a signed-in person shares: how it refuses, and that it closes
    when its session ends."""

    #: No channel per socket (``get_channel_layer(None)`` is None); see ``chat.broadcast.fanout``.
    channel_layer_alias = None
    #: Set once accepted: events arriving before are left to the page's resume.
    live = False
    #: The events of ``events.PAGE_HTML`` this kind of socket sends its page (``pass_on``).
    passes_on: frozenset[str] = frozenset()
    #: The page said it is shown (``chat.broadcast.visibility`` counts it).
    shown = False
    visibility_frames: SlidingWindowLimiter | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        """Make ``pass_on`` the handler of each event the kind of socket passes on, and of
        no other."""
        super().__init_subclass__(**kwargs)
        for kind in cls.passes_on:
            if kind not in events.PAGE_HTML:
                raise TypeError(f"{cls.__name__} cannot pass {kind} on: it is not page HTML")
            setattr(cls, get_handler_name({"type": kind}), PersonsSocket.pass_on)
        for kind in events.PAGE_HTML - cls.passes_on:
            # One a parent kind of socket passes on, this kind does not (no handler: skipped).
            name = get_handler_name({"type": kind})
            if getattr(cls, name, None) is PersonsSocket.pass_on:
                setattr(cls, name, None)

    async def __call__(self, scope: dict, receive, send) -> None:
        """Run the socket: each ASGI message it receives, in turn, to its handler.

        Channels' consumer waits on its ``receive`` and its own channel together, each as
        a task of its own, for as long as the socket is open; a socket here has no
        channel (``chat.broadcast.fanout``), so one ``receive`` at a time is awaited
        directly, without a task, its context and ``asyncio.wait``'s futures.
        """
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message: dict) -> None:
        """Hand an ASGI message (connect, a frame, disconnect) to its handler.

        Channels first sends every message through the database thread to close stale
        connections; here each database access already does that in the same trip
        (``database_sync_to_async``), so the extra trip per frame is left out.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict) -> None:
        """The socket closed: ``disconnect``, then end the consumer (without Channels'
        extra trip to close old connections, as in ``dispatch``; it joins no groups)."""
        await self.disconnect(message["code"])
        if self.shown:
            self.shown = False
            await visibility.visibility().hidden(self.user.pk)
        user = getattr(self, "user", None)  # a socket refused before it knew its person has none
        if user is not None:
            profiles.let_go(user)
        raise StopConsumer()

    async def _visibility(self, frame: dict) -> None:
        """The page says whether its tab is shown (``{"type": "visibility", "visible":
        true}``): Web Push skips people with a shown tab. A socket switching faster than
        the limit of other frames is closed."""
        visible = frame.get("visible")
        if not self.live or not isinstance(visible, bool):
            return
        if visible != self.shown:
            if self.visibility_frames is None:
                self.visibility_frames = SlidingWindowLimiter()
            if not self.visibility_frames.allow():
                await self.close(code=CLOSE_FLOODING)
                return
            self.shown = visible
            if visible:
                await visibility.visibility().shown(self.user.pk)
            else:
                await visibility.visibility().hidden(self.user.pk)
        self.looking(visible)

    def looking(self, visible: bool) -> None:
        """Called when the page says whether its tab is shown (each time it says so): for a
        kind of socket whose page does something of it."""

    async def _admitting(
        self, user, find: Callable[..., T], *args
    ) -> tuple[T, list[int] | None]:
        """``find(*args)`` on the database thread, and in the same trip whether this socket of
        ``user`` may stay (``presence.Presence.admit``): what it found, and the rooms whose
        members lists to redraw once the socket listens, or None (it is to be refused, which
        ``_arrive`` does). If ``find`` raises, the socket is not counted and it raises."""
        here = presence.presence()
        count = here.reserve(user.pk)

        @functools.wraps(find)  # the trip goes by the name of what it finds
        def trip() -> tuple[T, list[int] | None]:
            return find(*args), here.admit(user.pk, count)

        try:
            return await database_sync_to_async(trip)()
        except BaseException:
            here.release(user.pk)
            raise

    async def _arrive(self, groups: list[str], what: str, redraw: list[int] | None) -> bool:
        """Join ``groups`` on this process's channel, for the socket ``_admitting`` counted;
        False, the socket refused (4409, or 1013 while the channel layer is unreachable:
        the page retries by itself), when it may not stay.

        ``redraw``: what ``_admitting`` answered (None: not admitted)."""
        self.groups_joined = groups
        self.fanout = fanout.fanout()
        if redraw is None:
            presence.presence().release(self.user.pk)
            await self._refuse(CLOSE_TOO_MANY_SOCKETS)
            return False
        try:
            await self.fanout.attach(self, groups)
        except Exception:
            logger.warning("channel layer unreachable; %s refused", what)
            self.groups_joined = []
            await presence.presence().leave(self.user.pk)
            await self._refuse(CLOSE_TRY_AGAIN_LATER)
            return False
        self._redraw = redraw
        return True

    async def _go_live(self) -> None:
        """Accept the socket ``_arrive`` let in; from now on its events reach the page.
        Only now are the members lists its person's arrival changed drawn again, so that
        this socket gets them too."""
        await self.accept()
        self.live = True
        presence.presence().redraw(self._redraw)

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return session.session_key if session is not None else None

    async def pass_on(self, event: dict) -> None:
        """Called for HTML a page takes as is (who is typing, the members list, a
        notification, the public rooms): sent on, once the socket is accepted."""
        if self.live:
            await self.send(text_data=event["html"])

    async def session_ended(self, event: dict) -> None:
        """Called when a session of this person's logged out: closed if it was this one's."""
        if event.get("session") == self._session_key():
            await self.close(code=CLOSE_SIGNED_OUT)

    async def profile_changed(self, event: dict) -> None:
        """Called when this person's name or picture changed: what this socket sends
        next (a message, the typing line) carries the new one."""
        user = getattr(self, "user", None)
        if user is not None:
            await database_sync_to_async(profiles.reload)(user)

    async def user_changed(self, event: dict) -> None:
        """Called when this person's account changed (deactivated, a new password): closed
        if this socket's session ended with it, with 4402 for a new password (the page
        says why), else 4401."""
        session = self.scope.get("session")
        why = await database_sync_to_async(accounts.why_socket_session_ended)(session, self.user.pk)
        if why == accounts.PASSWORD_CHANGED:
            await self.close(code=CLOSE_PASSWORD_CHANGED)
        elif why is not None:
            await self.close(code=CLOSE_SIGNED_OUT)
