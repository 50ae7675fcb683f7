"""The room socket: authorise at connect, then parse → service → render → group_send."""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.urls import reverse

from chat import rendering, services
from chat.fanout import fanout
from chat.forms import MessageForm
from chat.limits import FRAME_MAX_CHARS, MAX_ID, SlidingWindowLimiter
from chat.models import Room
from chat.reading import read_tracker

logger = logging.getLogger(__name__)

#: Close codes. 1003 and 1009 are the WebSocket standard's own; 4xxx are ours and
#: tell the page not to reconnect.
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_TOO_BIG = 1009
CLOSE_SIGNED_OUT = 4401
CLOSE_NO_LONGER_MEMBER = 4403
CLOSE_FLOODING = 4429

NOTICE_UNREADABLE = "That message could not be read; nothing was sent."
NOTICE_BAD_RESUME = "Could not catch up: the resume request was malformed."
NOTICE_NOT_LIVE = "Saved. Live delivery is interrupted; others will see it once it is back."
NOTICE_NOT_STORED = "Your message could not be saved just now; it is still here, try again."


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

    async def connect(self) -> None:
        """Called when a socket asks to open: authorise, join the room's group, accept."""
        user = self.scope["user"]
        route = self.scope["url_route"]["kwargs"]
        # The room is found through the user's rights: an anonymous socket, or an
        # outsider guessing a private or direct room's URL, is refused before accept.
        self.room = await database_sync_to_async(services.socket_room)(user, **route)
        if self.room is None:
            await self.close()
            return
        self.user = user
        self.groups_joined = [services.room_group(self.room.id), services.user_group(user.pk)]
        self.older_url = (
            reverse("direct-messages", args=[route["username"]])
            if "username" in route
            else reverse("room-messages", args=[route["slug"]])
        )
        self.posts = SlidingWindowLimiter()
        self.other_frames = SlidingWindowLimiter()
        self.fanout = fanout()
        try:
            await self.fanout.attach(self, self.groups_joined)
        except Exception:
            # The channel layer is unreachable: refuse now, the page retries shortly.
            logger.warning("channel layer unreachable; socket for room %s refused", self.room.id)
            self.room = None
            await self.close()
            return
        await self.accept()
        self.live = True

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

    async def chat_message(self, event: dict) -> None:
        """Called for each new message in the room: pass its pre-rendered HTML on."""
        if not self.live:
            return
        await self.send(text_data=event["html"])
        read_tracker.note(self.user.pk, self.room.id, event["id"])

    async def session_ended(self, event: dict) -> None:
        """Called when this user logs out anywhere: the session no longer opens rooms."""
        await self.close(code=CLOSE_SIGNED_OUT)

    async def membership_ended(self, event: dict) -> None:
        """Called when this user leaves or is removed from a room."""
        if event["room"] == self.room.id:
            await self.close(code=CLOSE_NO_LONGER_MEMBER)

    async def _post(self, frame: dict) -> None:
        body = frame.get("body")
        data = {"body": body if isinstance(body, str) else ""}
        client_id = frame.get("client_id")
        ack = client_id if isinstance(client_id, str) else None
        if client_id is not None:
            # Anything but a string cannot be a valid id: let the form say so.
            data["client_id"] = ack if ack is not None else "invalid"
        form = MessageForm(data=data)
        if not form.is_valid():
            # The sender's text stays in their composer; only the error is added.
            await self._answer_other_frame(rendering.composer_frame(form, ack=ack))
            return
        if not self.posts.allow():
            wait = max(1, round(self.posts.retry_after()))
            # The composer comes back holding the text, so nothing typed is lost.
            await self.send(
                text_data=rendering.composer_frame(form, ack=ack)
                + rendering.notice_frame(
                    f"You are sending messages too fast. Wait {wait} s; your text is kept."
                )
            )
            return
        try:
            posted = await services.apost_message(
                self.room, self.user, form.cleaned_data["body"], form.cleaned_data["client_id"]
            )
        except DatabaseError:
            logger.exception("could not store a message in room %s", self.room.id)
            await self.send(
                text_data=rendering.composer_frame(form, ack=ack)
                + rendering.notice_frame(NOTICE_NOT_STORED)
            )
            return
        answer = rendering.fresh_composer_frame(ack)
        if not posted.broadcast:
            # Live delivery is down: the sender still sees their message, the others
            # get it when their pages resume.
            answer += posted.frame + rendering.notice_frame(NOTICE_NOT_LIVE)
        await self.send(text_data=answer)

    async def _resume(self, after: object, cursor: object) -> None:
        if not _is_id(after) or not (cursor is None or _is_id(cursor)):
            await self._answer_other_frame(rendering.notice_frame(NOTICE_BAD_RESUME))
            return
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        frame, newest = await self._catch_up_frame(after, cursor)
        if frame:
            await self.send(text_data=frame)
        if newest:
            read_tracker.note(self.user.pk, self.room.id, newest)

    @database_sync_to_async
    def _catch_up_frame(self, after: int, cursor: int | None) -> tuple[str, int]:
        missed = services.catch_up(self.room, after_id=after, cursor=cursor)
        if missed.replaces_page:
            frame = rendering.message_list_frame(missed.messages, missed.has_older, self.older_url)
        elif missed.messages:
            frame = rendering.new_messages_frame(missed.messages)
        else:
            frame = ""
        if cursor is not None and missed.revision != cursor:
            frame += rendering.cursor_frame(missed.revision)
        return frame, missed.newest_id

    async def _answer_other_frame(self, html: str) -> None:
        # Bad frames cost a render each; a socket that keeps sending them is closed.
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self.send(text_data=html)
