"""The room socket: authorise at connect, then parse → service → render → group_send."""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.urls import reverse

from chat import rendering, services
from chat.forms import MessageForm
from chat.limits import FRAME_MAX_CHARS, RESUME_MAX_MESSAGES, SlidingWindowLimiter
from chat.models import Room
from chat.reading import read_tracker

logger = logging.getLogger(__name__)

#: Close codes. 1003 and 1009 are the WebSocket standard's own; 4xxx are ours.
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_TOO_BIG = 1009
CLOSE_FLOODING = 4429

NOTICE_UNREADABLE = "That message could not be read; nothing was sent."
NOTICE_BAD_RESUME = "Could not catch up: the resume request was malformed."
NOTICE_NOT_STORED = "Your message could not be saved just now; it is still here, try again."
#: Message ids are 64-bit; a larger "after" is malformed, not a query to run.
MAX_ID = 2**63 - 1


class RoomConsumer(AsyncWebsocketConsumer):
    """One person's socket in one room (``/ws/r/<slug>/`` or ``/ws/p/<username>/``)."""

    room: Room | None = None

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
        self.group = services.room_group(self.room.id)
        self.older_url = (
            reverse("direct-messages", args=[route["username"]])
            if "username" in route
            else reverse("room-messages", args=[route["slug"]])
        )
        self.posts = SlidingWindowLimiter()
        self.other_frames = SlidingWindowLimiter()
        # Ids pushed live since the last resume, so a resume never repeats them.
        self.live_since_resume: set[int] = set()
        self.resumed_upto = 0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Called when the socket closes: leave the room's group."""
        if self.room is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)

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
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await self._answer_other_frame(rendering.notice_frame(NOTICE_UNREADABLE))
        elif frame.get("type") == "resume":
            await self._resume(frame.get("after"))
        else:
            await self._post(frame.get("body"))

    async def chat_message(self, event: dict) -> None:
        """Called for each new message in the room: pass its pre-rendered HTML on."""
        message_id = event["id"]
        if message_id <= self.resumed_upto:
            return  # a resume already showed it
        if len(self.live_since_resume) < RESUME_MAX_MESSAGES:
            self.live_since_resume.add(message_id)
        await self.send(text_data=event["html"])
        self._shown(message_id)

    async def _post(self, body: object) -> None:
        form = MessageForm(data={"body": body if isinstance(body, str) else ""})
        if not form.is_valid():
            # The sender's text stays in their composer; only the error is added.
            await self._answer_other_frame(rendering.composer_frame(form))
            return
        if not self.posts.allow():
            wait = max(1, round(self.posts.retry_after()))
            # The composer comes back holding the text, so nothing typed is lost.
            await self.send(
                text_data=rendering.composer_frame(form)
                + rendering.notice_frame(
                    f"You are sending messages too fast. Wait {wait} s; your text is kept."
                )
            )
            return
        try:
            await services.apost_message(self.room, self.user, form.cleaned_data["body"])
        except DatabaseError:
            logger.exception("could not store a message in room %s", self.room.id)
            await self.send(
                text_data=rendering.composer_frame(form) + rendering.notice_frame(NOTICE_NOT_STORED)
            )
            return
        await self.send(text_data=rendering.fresh_composer_frame())

    async def _resume(self, after: object) -> None:
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_ID:
            await self._answer_other_frame(rendering.notice_frame(NOTICE_BAD_RESUME))
            return
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        frame, newest = await self._catch_up_frame(after)
        self.resumed_upto = max(self.resumed_upto, newest)
        self.live_since_resume.clear()
        if frame:
            await self.send(text_data=frame)
            self._shown(newest)

    @database_sync_to_async
    def _catch_up_frame(self, after: int) -> tuple[str, int]:
        missed = services.catch_up(self.room, after, exclude=self.live_since_resume)
        if not missed.messages:
            return "", 0
        if missed.replaces_page:
            frame = rendering.message_list_frame(missed.messages, missed.has_older, self.older_url)
        else:
            frame = rendering.new_messages_frame(missed.messages)
        return frame, missed.newest_id

    def _shown(self, message_id: int) -> None:
        read_tracker.note(self.user.pk, self.room.id, message_id)

    async def _answer_other_frame(self, html: str) -> None:
        # Bad frames cost a render each; a socket that keeps sending them is closed.
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self.send(text_data=html)
