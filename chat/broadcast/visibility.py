"""Who is looking: a person has a visible tab while a socket of theirs says its page is
shown (``{"type": "visibility", "visible": true}``, sent by static/chat/js/visibility.js on
every open and whenever the tab is shown or hidden). Web Push (``chat.people.push``) goes
only to people with no visible tab: the open page tells them itself.

It is kept like presence (``chat.broadcast.presence``): each process counts the visible
sockets it holds of each person and writes ``visible:<user>:<process>`` to the cache,
expiring after ``CHAT_PRESENCE_SECONDS`` and written again every third of that; only the
processes presence lists as live are read. A crashed process's tabs stop counting when its
entries expire. A socket counts as hidden until its page says otherwise, so a page whose
script never runs is treated as away (a push too many, never one missed).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache

from chat.broadcast import fanout, presence

logger = logging.getLogger(__name__)

PREFIX = "visible"


def _expiry() -> int:
    return int(settings.CHAT_PRESENCE_SECONDS)


def _key(user_id: int, process: str) -> str:
    return f"{PREFIX}:{user_id}:{process}"


def looking(user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` have a visible tab open anywhere right now (nobody, while the
    cache cannot be reached: a push too many rather than one missed)."""
    if not user_ids:
        return set()
    try:
        processes = presence.live_processes()
        keys = {_key(uid, process): uid for uid in user_ids for process in processes}
        found = cache.get_many(list(keys)) if keys else {}
    except Exception as error:
        logger.warning("visibility unknown, the cache failed (%r)", error)
        return set()
    return {keys[key] for key, count in found.items() if count}


class Visibility:
    """This process's visible sockets, per person, kept in the cache."""

    def __init__(self, hub: fanout.Fanout) -> None:
        self.hub = hub
        self.local: Counter[int] = Counter()
        self._task: asyncio.Task | None = None

    async def shown(self, user_id: int) -> None:
        """A socket of ``user_id`` says its page is shown (it was hidden)."""
        self._start()
        self.local[user_id] += 1
        await database_sync_to_async(self._write)(user_id, self.local[user_id])

    async def hidden(self, user_id: int) -> None:
        """A socket of ``user_id`` whose page was shown says it is hidden, or closes."""
        self.local[user_id] -= 1
        count = self.local[user_id]
        if count <= 0:
            del self.local[user_id]
        await database_sync_to_async(self._write)(user_id, max(count, 0))

    def _write(self, user_id: int, count: int) -> None:
        try:
            if count:
                cache.set(_key(user_id, presence.PROCESS), count, _expiry())
            else:
                cache.delete(_key(user_id, presence.PROCESS))
        except Exception as error:
            logger.warning("visibility not recorded, the cache failed (%r)", error)

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._beat_periodically())

    def _beat(self) -> None:
        if self.local:
            cache.set_many(
                {_key(uid, presence.PROCESS): n for uid, n in self.local.items()}, _expiry()
            )

    async def _beat_periodically(self) -> None:
        while True:
            await asyncio.sleep(_expiry() / 3)
            try:
                await database_sync_to_async(self._beat)()
            except Exception as error:
                logger.warning("visibility heartbeat failed (%r)", error)

    def close(self) -> None:
        """Stop beating (the event loop or the channel layer is replaced)."""
        if self._task is not None:
            self._task.cancel()


def visibility() -> Visibility:
    """This process's visibility (the running event loop's)."""
    return fanout.fanout().part(Visibility)
