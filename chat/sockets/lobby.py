"""The lobby's socket: one person's rooms, their counts and previews, live; and the same
socket beside a conversation, for its sidebar."""

from __future__ import annotations

import asyncio
import json
import logging

from channels.db import database_sync_to_async

from chat.broadcast import events, fanout, presence
from chat.limits import FRAME_MAX_CHARS
from chat.rooms import lobby
from chat.rooms import services as rooms
from chat.sockets.persons import (
    CLOSE_SIGNED_OUT,
    PersonsSocket,
)

logger = logging.getLogger(__name__)


class LobbyConsumer(PersonsSocket):
    """One person's lobby page (``/ws/lobby/``): their rooms' counts and previews, live.

    It listens to the person's group (rooms joined, read on another tab), to each of their
    rooms' groups (new messages) and, for a lobby showing the first page of public rooms,
    to every lobby's group (new public rooms). The counts are the person's own, so their
    part of the lobby is rendered for them: at most once per ``RENDER_AFTER_SECONDS``,
    which also lets the read positions other tabs noted be written first.
    """

    RENDER_AFTER_SECONDS = 1.0
    #: Notifications, and the first page of public rooms when one is created.
    passes_on = frozenset({events.NOTIFY, events.LOBBY_PUBLIC})
    #: Whether a page may ask for new public rooms (``?public=1``).
    follows_public = True
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
        room_ids, redraw = await self._admitting(user, rooms.room_ids_of, user)
        groups = [fanout.user_group(user.pk)]
        groups += [fanout.room_group(room_id) for room_id in room_ids]
        if self.follows_public and b"public=1" in self.scope.get("query_string", b""):
            groups.append(fanout.LOBBY_GROUP)
        if not await self._arrive(groups, "lobby socket", redraw):
            return
        await self._go_live()
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
        """Called for a frame from the page: a lobby says only whether its tab is shown
        (``chat.broadcast.visibility``); anything else is ignored."""
        if text_data is None or len(text_data) > FRAME_MAX_CHARS:
            return
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):
            return
        if isinstance(frame, dict) and frame.get("type") == "visibility":
            await self._visibility(frame)

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
            html = await database_sync_to_async(self.frame)()
            if self.live:
                await self.send(text_data=html)

    def frame(self) -> str:
        """The person's part of the page, rendered for them now (on the database thread)."""
        return lobby.my_rooms_frame(self.user)

    async def chat_message(self, event: dict) -> None:
        """Called for a new or changed message in one of the person's rooms."""
        self._render_soon()

    async def lobby_changed(self, event: dict) -> None:
        """Called when the person joined or left a room, or read one on another tab."""
        joined = event.get("joined")
        group = fanout.room_group(joined) if joined else None
        if group and group not in self.groups_joined:
            self.groups_joined.append(group)
            await self.fanout.attach(self, [group])
        if event.get("left"):
            await self._stop_following(event["left"])
        self._render_soon()

    async def room_changed(self, event: dict) -> None:
        """Called when one of the person's rooms was renamed, converted, archived (out of
        the list), unarchived or deleted: the list again."""
        if event.get("gone"):
            await self._stop_following(event["room"])
        self._render_soon()

    async def _stop_following(self, room_id: int) -> None:
        group = fanout.room_group(room_id)
        if group in self.groups_joined:
            self.groups_joined.remove(group)
            await self.fanout.detach(self, [group])

    async def membership_ended(self, event: dict) -> None:
        """Called when the person left or was removed from a room."""
        await self._stop_following(event["room"])
        self._render_soon()


class SidebarConsumer(LobbyConsumer):
    """The sidebar of a conversation page (``/ws/sidebar/?here=<its page path>``): the
    person's rooms and conversations with the lobby's own counts, live, the one it sits
    beside marked.

    It is a lobby socket that sends the sidebar's list (``chat.rooms.lobby.sidebar_frame``)
    instead of the lobby's: the same groups, the same events, the same render at most
    once per ``RENDER_AFTER_SECONDS``, which lets the read positions the page's room
    socket noted be written first, so the room being read shows no unread badge. It passes
    nothing on as is (the room socket beside it already shows notifications) and never
    follows new public rooms.
    """

    passes_on = frozenset()
    follows_public = False
    here = ""

    async def connect(self) -> None:
        """Called when a conversation page's sidebar opens its socket."""
        self.here = lobby.sidebar_here(self.scope.get("query_string", b""))
        await super().connect()

    def frame(self) -> str:
        """The sidebar's list, rendered for the person now."""
        return lobby.sidebar_frame(self.user, self.here)
