"""The room socket: authorise at connect, then parse → service → answer; events pass through.

A socket the server will not serve is *accepted and then closed* with a code that says
why (4401 signed out, 4403 not allowed in this room, 4409 too many sockets of this
person open already, 1013 try again later). Refusing at
the handshake would reach the page only as a network failure (1006), which it cannot
tell from a server restart; a close code it can act on without asking the server again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from chat import (
    accounts,
    fanout,
    lobby,
    messages,
    presence,
    profiles,
    rendering,
    rooms,
    typists,
)
from chat.errors import Invalid, NotFound, Refused, SignedOut, TooFast
from chat.forms import MessageForm
from chat.limits import (
    FRAME_MAX_CHARS,
    MAX_ID,
    TYPING_FRAME_SECONDS,
    TYPING_FRAMES_PER_WINDOW,
    SlidingWindowLimiter,
)
from chat.links import route_links
from chat.models import Room
from chat.reading import read_tracker

logger = logging.getLogger(__name__)

#: Close codes. 1003, 1009 and 1013 are the WebSocket standard's own; 4xxx are ours and
#: tell the page not to reconnect.
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_SIGNED_OUT = 4401
#: Signed out because the password was changed (in another session): the page says so.
CLOSE_PASSWORD_CHANGED = 4402
CLOSE_NOT_ALLOWED = 4403
#: The person already has ``CHAT_SOCKETS_PER_PERSON`` sockets open (``chat.presence``).
CLOSE_TOO_MANY_SOCKETS = 4409
CLOSE_FLOODING = 4429

NOTICE_UNREADABLE = "That message could not be read; nothing was sent."
NOTICE_BAD_RESUME = "Could not catch up: the resume request was malformed."
NOTICE_NOT_LIVE = "Saved. Live delivery is interrupted; others will see it once it is back."


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


class PersonsSocket(AsyncWebsocketConsumer):
    """What every socket of a signed-in person shares: how it refuses, and that it closes
    when its session ends."""

    #: No channel per socket (``get_channel_layer(None)`` is None); see ``chat.fanout``.
    channel_layer_alias = None
    #: Set once accepted: events arriving before are left to the page's resume.
    live = False

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
        raise StopConsumer()

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return session.session_key if session is not None else None

    async def chat_notify(self, event: dict) -> None:
        """Called for a message this person should hear of while away (chat.notifications)."""
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
        key = self._session_key()
        why = await database_sync_to_async(accounts.why_session_ended)(key, self.user.pk)
        if why == accounts.PASSWORD_CHANGED:
            await self.close(code=CLOSE_PASSWORD_CHANGED)
        elif why is not None:
            await self.close(code=CLOSE_SIGNED_OUT)


def _room_and_profile(user, route: dict) -> tuple[Room | None, object]:
    """The room a socket asks for (``NotFound`` if not the user's to hear; None for a
    direct conversation not begun yet), the other person of a direct conversation, and
    the user's profile read, in one trip: the typing line and messages show their name."""
    room = rooms.socket_room(user, **route)
    partner = rooms.person(route["username"]) if room is None else None
    profiles.reload(user)
    return room, partner


class RoomConsumer(PersonsSocket):
    """One person's socket in one room (``/ws/r/<slug>/`` or ``/ws/p/<username>/``).

    It has no channel-layer channel of its own: the process's fan-out (``chat.fanout``)
    receives the events of its room and its person and calls its handlers.
    """

    room: Room | None = None
    #: The other person of a direct conversation nobody has written in yet: the socket
    #: joins its room when the first message makes it (``lobby_changed``, ``_post``).
    partner = None
    #: The room revision this socket's page is known to be complete up to: set by its
    #: resume, moved along by live changes that follow on without a gap.
    synced: int | None = None

    async def connect(self) -> None:
        """Called when a socket asks to open: authorise, join the room's groups, accept."""
        user = self.scope["user"]
        if not user.is_authenticated:
            await self._refuse(CLOSE_SIGNED_OUT)
            return
        route = self.scope["url_route"]["kwargs"]
        # The room is found through the user's rights: an outsider guessing a private
        # or direct room's URL is refused exactly as for a room that does not exist.
        try:
            room, self.partner = await database_sync_to_async(_room_and_profile)(user, route)
        except NotFound:
            await self._refuse(CLOSE_NOT_ALLOWED)
            return
        self.user = user
        self.links = route_links(**route)
        self.groups_joined = [fanout.user_group(user.pk)]
        if room is not None:
            self.groups_joined.append(fanout.room_group(room.id))
        self.other_frames = SlidingWindowLimiter()
        self.typing_frames = SlidingWindowLimiter(TYPING_FRAMES_PER_WINDOW, TYPING_FRAME_SECONDS)
        self.fanout = fanout.fanout()
        typists.board()  # this process follows who types in the rooms it serves
        if not await presence.presence().arrive(user.pk):
            await self._refuse(CLOSE_TOO_MANY_SOCKETS)
            return
        try:
            await self.fanout.attach(self, self.groups_joined)
        except Exception:
            # The channel layer is unreachable: the page retries by itself after 1013.
            logger.warning("channel layer unreachable; socket for %s refused", self.links.page)
            await presence.presence().leave(user.pk)
            await self._refuse(CLOSE_TRY_AGAIN_LATER)
            return
        self.room = room
        await self.accept()
        self.live = True

    async def disconnect(self, code: int) -> None:
        """Called when the socket closes: stop receiving the room's and the user's events;
        record at once how far the page was read (the lobby may be next)."""
        if not self.live:
            return
        self.live = False
        await self.fanout.detach(self, self.groups_joined)
        await presence.presence().leave(self.user.pk)
        await read_tracker.flush(self.user.pk)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Called for each frame from the browser: a message to post, or a resume request."""
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data) > FRAME_MAX_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nesting thousands deep
            frame = None
        if not isinstance(frame, dict):
            await self._answer_other_frame(lambda: rendering.notice_frame(NOTICE_UNREADABLE))
        elif frame.get("type") == "resume":
            await self._resume(frame.get("after", 0), frame.get("cursor"))
        elif frame.get("type") == "typing":
            await self._typing()
        else:
            await self._post(frame)

    # --- events ------------------------------------------------------------------------

    async def chat_message(self, event: dict) -> None:
        """Called for each new message in the room: pass its pre-rendered HTML on."""
        if not self.live:
            return
        await self.send(text_data=event["html"])
        if self.synced is not None and event.get("revision") == self.synced + 1:
            self.synced += 1
        read_tracker.note(self.user.pk, self.room.id, event["id"])

    async def chat_frame(self, event: dict) -> None:
        """Called for HTML this process worked out for the room (who is typing): pass it on."""
        if self.live:
            await self.send(text_data=event["html"])

    async def presence_members(self, event: dict) -> None:
        """Called when the room's members list changed (who is online): pass it on."""
        if self.live:
            await self.send(text_data=event["html"])

    async def resync(self) -> None:
        """Called when this process's events were lost (the layer was cut off): send the
        page every change since it was last known to be complete."""
        if self.live and self.synced is not None:
            await self._send_catch_up(0, self.synced)

    async def membership_ended(self, event: dict) -> None:
        """Called when this person leaves or is removed from a room."""
        if self.room is not None and event["room"] == self.room.id:
            await self.close(code=CLOSE_NOT_ALLOWED)

    async def lobby_changed(self, event: dict) -> None:
        """Called when this person joined a room: for a socket waiting on a direct
        conversation, the room its first message made (either person's)."""
        if self.room is not None or self.partner is None or not self.live:
            return
        room = await database_sync_to_async(rooms.find_direct_room)(self.user, self.partner)
        if room is not None and room.id == event.get("joined"):
            await self._enter(room)

    async def _enter(self, room: Room) -> None:
        """Join the room a waiting direct conversation now has, and send the page all of
        it so far (the first message may have been broadcast before this socket joined)."""
        if self.room is not None:
            return
        self.room = room
        group = fanout.room_group(room.id)
        self.groups_joined.append(group)
        await self.fanout.attach(self, [group])
        await self._send_catch_up(0, 0)

    # --- frames ------------------------------------------------------------------------

    async def _post(self, frame: dict) -> None:
        if self.room is None and not await self._open_direct_room(frame):
            return
        try:
            posted = await messages.apost_message(self.room, self.user, frame)
        except SignedOut:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        except Invalid as refusal:
            # Bad frames cost a render each: they count towards the flood limit.
            bad = refusal.form
            await self._answer_other_frame(lambda: rendering.composer_frame(bad, ack=bad.ack))
            return
        except Refused as refusal:
            # Too fast, or not stored: the composer comes back holding the text. A page
            # sends one post at a time and waits for its answer, so refusal after refusal
            # is a flood: they count with bad frames, and the socket past them is closed.
            notice = refusal.message
            wait = refusal.retry_after if isinstance(refusal, TooFast) else None

            def composer() -> str:
                form = MessageForm(frame)
                form.is_valid()
                return rendering.composer_frame(form, ack=form.ack, notice=notice, wait=wait)

            await self._answer_other_frame(composer)
            return
        stored_as = posted.message.id
        if posted.broadcast:
            await self.send(text_data=rendering.ack_frame(posted.ack, message_id=stored_as))
        else:
            # Live delivery is down: the sender still sees their message, the others
            # get it when their pages resume.
            answer = rendering.ack_frame(posted.ack, notice=NOTICE_NOT_LIVE, message_id=stored_as)
            await self.send(text_data=answer + posted.frame)

    async def _open_direct_room(self, frame: dict) -> bool:
        """The first message of a direct conversation opens its room (as the form's POST
        does); False, with the composer sent back, if that message is not valid."""
        try:
            room = await database_sync_to_async(messages.open_direct_room)(
                self.user, self.partner, frame
            )
        except Invalid as refusal:
            bad = refusal.form
            await self._answer_other_frame(lambda: rendering.composer_frame(bad, ack=bad.ack))
            return False
        await self._enter(room)
        return True

    async def _typing(self) -> None:
        # A page says so at most every few seconds; more is a flood, dropped quietly.
        if self.room is not None and self.typing_frames.allow():
            await typists.started(self.room.id, self.user)

    async def _resume(self, after: object, cursor: object) -> None:
        if not _is_id(after) or not (cursor is None or _is_id(cursor)):
            await self._answer_other_frame(lambda: rendering.notice_frame(NOTICE_BAD_RESUME))
            return
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self._send_catch_up(after, cursor)

    async def _send_catch_up(self, after: int, cursor: int | None) -> None:
        if self.room is None:
            return  # a direct conversation not begun: nothing to catch up on
        frame, newest, revision = await self._catch_up_frame(after, cursor)
        if frame:
            await self.send(text_data=frame)
        self.synced = max(self.synced or 0, revision)
        if newest:
            read_tracker.note(self.user.pk, self.room.id, newest)

    @database_sync_to_async
    def _catch_up_frame(self, after: int, cursor: int | None) -> tuple[str, int, int]:
        missed = messages.catch_up(self.room, after_id=after, cursor=cursor)
        if missed.replaces_page:
            frame = rendering.message_list_frame(
                missed.messages, missed.has_older, self.links.older
            )
        elif missed.messages:
            frame = rendering.new_messages_frame(missed.messages)
        else:
            frame = ""
        if cursor is not None and missed.revision != cursor:
            frame += rendering.cursor_frame(missed.revision)
        return frame, missed.newest_id, missed.revision

    async def _answer_other_frame(self, render: Callable[[], str]) -> None:
        # Bad frames cost a render each; a socket that keeps sending them is closed, and
        # the one past the limit costs no render at all.
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self.send(text_data=render())


class LobbyConsumer(PersonsSocket):
    """One person's lobby page (``/ws/lobby/``): their rooms' counts and previews, live.

    It listens to the person's group (rooms joined, read on another tab), to each of their
    rooms' groups (new messages) and, for a lobby showing the first page of public rooms,
    to every lobby's group (new public rooms). The counts are the person's own, so their
    part of the lobby is rendered for them: at most once per ``RENDER_AFTER_SECONDS``,
    which also lets the read positions other tabs noted be written first.
    """

    RENDER_AFTER_SECONDS = 1.0
    _rendering: asyncio.Task | None = None
    _again = False
    groups_joined: list[str]

    async def connect(self) -> None:
        """Called when a lobby page opens its socket."""
        user = self.scope["user"]
        if not user.is_authenticated:
            await self._refuse(CLOSE_SIGNED_OUT)
            return
        self.user = user
        room_ids = await database_sync_to_async(rooms.room_ids_of)(user)
        self.groups_joined = [fanout.user_group(user.pk)]
        self.groups_joined += [fanout.room_group(room_id) for room_id in room_ids]
        if b"public=1" in self.scope.get("query_string", b""):
            self.groups_joined.append(fanout.LOBBY_GROUP)
        self.fanout = fanout.fanout()
        if not await presence.presence().arrive(user.pk):
            await self._refuse(CLOSE_TOO_MANY_SOCKETS)
            return
        try:
            await self.fanout.attach(self, self.groups_joined)
        except Exception:
            logger.warning("channel layer unreachable; lobby socket refused")
            self.groups_joined = []
            await presence.presence().leave(user.pk)
            await self._refuse(CLOSE_TRY_AGAIN_LATER)
            return
        await self.accept()
        self.live = True
        # The page was rendered a moment ago; counts read since (another tab) show now.
        self._render_soon()

    async def disconnect(self, code: int) -> None:
        """Called when the lobby page goes away."""
        if not self.live:
            return
        self.live = False
        if self._rendering is not None:
            self._rendering.cancel()
        await self.fanout.detach(self, self.groups_joined)
        await presence.presence().leave(self.user.pk)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Called for a frame from the page: a lobby says nothing, so nothing is read."""

    def _render_soon(self) -> None:
        if not self.live:
            return
        if self._rendering is None or self._rendering.done():
            self._rendering = asyncio.get_running_loop().create_task(self._render_later())
        else:
            # A render is on its way, but may have read the counts already: one more after.
            self._again = True

    async def _render_later(self) -> None:
        self._again = True
        while self._again and self.live:
            self._again = False
            await asyncio.sleep(self.RENDER_AFTER_SECONDS)
            html = await database_sync_to_async(lobby.my_rooms_frame)(self.user)
            if self.live:
                await self.send(text_data=html)

    async def chat_message(self, event: dict) -> None:
        """Called for a new or changed message in one of the person's rooms."""
        self._render_soon()

    async def lobby_changed(self, event: dict) -> None:
        """Called when the person joined a room, or read one on another tab."""
        joined = event.get("joined")
        group = fanout.room_group(joined) if joined else None
        if group and group not in self.groups_joined:
            self.groups_joined.append(group)
            await self.fanout.attach(self, [group])
        self._render_soon()

    async def membership_ended(self, event: dict) -> None:
        """Called when the person left or was removed from a room."""
        group = fanout.room_group(event["room"])
        if group in self.groups_joined:
            self.groups_joined.remove(group)
            await self.fanout.detach(self, [group])
        self._render_soon()

    async def lobby_public(self, event: dict) -> None:
        """Called when a public room was created: the first page of public rooms, as is."""
        if self.live:
            await self.send(text_data=event["html"])


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any other socket path: refused at the handshake, quietly (no route, no traceback)."""

    channel_layer_alias = None

    async def connect(self) -> None:
        """Called when a socket asks to open at an address that serves none."""
        await self.close()
