"""Who is typing, per room: never stored, and cleared by the server, so pages need no timers.

A page says ``{"type": "typing"}`` at most every ``TYPING_FRAME_SECONDS`` while its person
types; the socket hands that to the room's group as ``typing.started``. Every process
keeps a small board of who types where, from those events: a name stays for
``TYPING_SECONDS`` after its last event, and goes at once when that person's message
arrives (``chat.message`` names its author). Each change is rendered once per process,
as the same ``#typing`` element for every reader, and handed to the process's sockets of
that room; when an entry expires, the process's own timer sends the cleared line.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from chat.broadcast import events, fanout
from chat.broadcast import frames as rendering
from chat.limits import TYPING_SECONDS
from chat.models import name_of


@dataclass(frozen=True)
class Typist:
    """Someone typing in a room, until ``until`` (``time.monotonic``)."""

    user_id: int
    name: str
    until: float


class TypingBoard:
    """Who types in each room, as this process has heard."""

    def __init__(self, hub: fanout.Fanout) -> None:
        self.hub = hub
        self.rooms: dict[int, dict[int, Typist]] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        hub.observe(events.TYPING, self._started)
        hub.observe(events.MESSAGE, self._message)

    def typists(self, room_id: int) -> list[Typist]:
        """Who types in the room now, in the order they started."""
        return list(self.rooms.get(room_id, {}).values())

    async def _started(self, event: dict) -> None:
        room_id, user_id = event["room"], event["user"]
        typing = self.rooms.setdefault(room_id, {})
        known = user_id in typing
        typing[user_id] = Typist(user_id, event["name"], time.monotonic() + TYPING_SECONDS)
        self._expire_later(room_id)
        if not known:
            await self._show(room_id)

    async def _message(self, event: dict) -> None:
        room_id = fanout.room_of(event["group"])
        typing = self.rooms.get(room_id)
        if typing and typing.pop(event.get("author"), None) is not None:
            await self._show(room_id)

    def _expire_later(self, room_id: int) -> None:
        if room_id in self._timers:
            return
        soonest = min(t.until for t in self.rooms[room_id].values())
        delay = max(0.0, soonest - time.monotonic())
        self._timers[room_id] = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self._expire(room_id))
        )

    async def _expire(self, room_id: int) -> None:
        self._timers.pop(room_id, None)
        typing = self.rooms.get(room_id, {})
        now = time.monotonic()
        gone = [uid for uid, typist in typing.items() if typist.until <= now]
        for uid in gone:
            del typing[uid]
        if typing:
            self._expire_later(room_id)
        else:
            self.rooms.pop(room_id, None)
        if gone:
            await self._show(room_id)

    async def _show(self, room_id: int) -> None:
        html = rendering.typing_frame(self.typists(room_id))
        await self.hub.deliver(events.room_frame(room_id, html))

    def close(self) -> None:
        """Forget every timer (the event loop or the channel layer is replaced)."""
        for timer in self._timers.values():
            timer.cancel()


def board() -> TypingBoard:
    """This process's typing board (the running event loop's)."""
    return fanout.fanout().part(TypingBoard)


async def started(room_id: int, user: object) -> bool:
    """Tell the room (every process) that ``user`` is typing; False if the layer failed."""
    return await events.atyping_started(room_id, user.pk, name_of(user))
