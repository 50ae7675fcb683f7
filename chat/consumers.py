"""The room socket: authorise at connect, then parse → service → answer; events pass through.

A socket the server will not serve is *accepted and then closed* with a code that says
why (4401 signed out, 4403 not allowed in this room, 1013 try again later). Refusing at
the handshake would reach the page only as a network failure (1006), which it cannot
tell from a server restart; a close code it can act on without asking the server again.
"""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from chat import accounts, fanout, messages, rendering, rooms
from chat.errors import Invalid, NotFound, Refused
from chat.forms import MessageForm
from chat.limits import FRAME_MAX_CHARS, MAX_ID, SlidingWindowLimiter
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
CLOSE_NOT_ALLOWED = 4403
CLOSE_FLOODING = 4429

NOTICE_UNREADABLE = "That message could not be read; nothing was sent."
NOTICE_BAD_RESUME = "Could not catch up: the resume request was malformed."
NOTICE_NOT_LIVE = "Saved. Live delivery is interrupted; others will see it once it is back."


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


class RoomConsumer(AsyncWebsocketConsumer):
    """One person's socket in one room (``/ws/r/<slug>/`` or ``/ws/p/<username>/``).

    It has no channel-layer channel of its own: the process's fan-out (``chat.fanout``)
    receives the events of its room and its person and calls its handlers.
    """

    #: No channel per socket (``get_channel_layer(None)`` is None); see ``chat.fanout``.
    channel_layer_alias = None
    room: Room | None = None
    #: Set once accepted: events arriving before are left to the page's resume.
    live = False
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
            room = await database_sync_to_async(rooms.socket_room)(user, **route)
        except NotFound:
            await self._refuse(CLOSE_NOT_ALLOWED)
            return
        self.user = user
        self.links = route_links(**route)
        self.groups_joined = [fanout.room_group(room.id), fanout.user_group(user.pk)]
        self.other_frames = SlidingWindowLimiter()
        self.fanout = fanout.fanout()
        try:
            await self.fanout.attach(self, self.groups_joined)
        except Exception:
            # The channel layer is unreachable: the page retries by itself after 1013.
            logger.warning("channel layer unreachable; socket for room %s refused", room.id)
            await self._refuse(CLOSE_TRY_AGAIN_LATER)
            return
        self.room = room
        await self.accept()
        self.live = True

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        """Called when the socket closes: stop receiving the room's and the user's events."""
        if self.room is None:
            return
        self.live = False
        await self.fanout.detach(self, self.groups_joined)

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
            await self._answer_other_frame(rendering.notice_frame(NOTICE_UNREADABLE))
        elif frame.get("type") == "resume":
            await self._resume(frame.get("after", 0), frame.get("cursor"))
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

    async def resync(self) -> None:
        """Called when this process's events were lost (the layer was cut off): send the
        page every change since it was last known to be complete."""
        if self.live and self.synced is not None:
            await self._send_catch_up(0, self.synced)

    async def user_changed(self, event: dict) -> None:
        """Called when a session of this person's may have ended (a logout, a deactivation,
        a new password): closed with 4401 if it was this socket's."""
        session = self.scope.get("session")
        key = session.session_key if session is not None else None
        if not await database_sync_to_async(accounts.session_still_valid)(key, self.user.pk):
            await self.close(code=CLOSE_SIGNED_OUT)

    async def membership_ended(self, event: dict) -> None:
        """Called when this person leaves or is removed from a room."""
        if event["room"] == self.room.id:
            await self.close(code=CLOSE_NOT_ALLOWED)

    # --- frames ------------------------------------------------------------------------

    async def _post(self, frame: dict) -> None:
        try:
            posted = await messages.apost_message(self.room, self.user, frame)
        except Invalid as refusal:
            # Bad frames cost a render each: they count towards the flood limit.
            await self._answer_other_frame(
                rendering.composer_frame(refusal.form, ack=refusal.form.ack)
            )
            return
        except Refused as refusal:
            # Too fast, or not stored: the composer comes back holding the text.
            form = MessageForm(frame)
            form.is_valid()
            await self.send(
                text_data=rendering.composer_frame(form, ack=form.ack, notice=refusal.message)
            )
            return
        if posted.broadcast:
            await self.send(text_data=rendering.ack_frame(posted.ack))
        else:
            # Live delivery is down: the sender still sees their message, the others
            # get it when their pages resume.
            await self.send(
                text_data=rendering.ack_frame(posted.ack, notice=NOTICE_NOT_LIVE) + posted.frame
            )

    async def _resume(self, after: object, cursor: object) -> None:
        if not _is_id(after) or not (cursor is None or _is_id(cursor)):
            await self._answer_other_frame(rendering.notice_frame(NOTICE_BAD_RESUME))
            return
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self._send_catch_up(after, cursor)

    async def _send_catch_up(self, after: int, cursor: int | None) -> None:
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

    async def _answer_other_frame(self, html: str) -> None:
        # Bad frames cost a render each; a socket that keeps sending them is closed.
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self.send(text_data=html)


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any other socket path: refused at the handshake, quietly (no route, no traceback)."""

    channel_layer_alias = None

    async def connect(self) -> None:
        """Called when a socket asks to open at an address that serves none."""
        await self.close()
