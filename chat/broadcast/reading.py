"""How far people have read: noted per socket as messages are shown, written in batches.

Writing ``Membership.last_read`` for every delivered message would be database work
per recipient. Instead each process keeps the newest id shown per (user, room) and
writes them all in one transaction every READ_FLUSH_SECONDS, so the lobby's unread
counts are right a moment after a message is shown, whatever the room's size.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.db import transaction

from chat.models import Membership

logger = logging.getLogger(__name__)

READ_FLUSH_SECONDS = 0.5


class ReadTracker:
    """The newest message shown to each (user, room) in this process, not yet written."""

    def __init__(self, interval: float = READ_FLUSH_SECONDS) -> None:
        self.interval = interval
        self._pending: dict[tuple[int, int], int] = {}
        self._task: asyncio.Task | None = None

    def note(self, user_id: int, room_id: int, upto: int) -> None:
        """Called when a socket shows messages up to ``upto``; written shortly after."""
        key = (user_id, room_id)
        if upto > self._pending.get(key, 0):
            self._pending[key] = upto
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._flush_later())

    def forget(self, user_id: int, room_id: int) -> None:
        """Drop what was noted for (``user_id``, ``room_id``) and not written yet: the person
        marked the room unread, and a write a moment later must not undo it."""
        self._pending.pop((user_id, room_id), None)

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.interval)
        await self.flush()

    async def flush(self, user_id: int | None = None) -> None:
        """Write everything noted so far (or only ``user_id``'s), in one transaction."""
        if user_id is None:
            batch, self._pending = self._pending, {}
        else:
            batch = {key: upto for key, upto in self._pending.items() if key[0] == user_id}
            for key in batch:
                del self._pending[key]
        if not batch:
            return
        try:
            await database_sync_to_async(_write)(batch)
        except Exception:
            # Unread counts are a convenience: a failed write must not break delivery.
            logger.exception("could not record read positions")


def _write(batch: dict[tuple[int, int], int]) -> None:
    # Rows are locked in one order in every process (sorted by user, then room): two
    # processes flushing overlapping batches then queue behind each other instead of
    # each holding a row the other waits for (a deadlock on PostgreSQL).
    with transaction.atomic():
        for (user_id, room_id), upto in sorted(batch.items()):
            Membership.objects.filter(user_id=user_id, room_id=room_id, last_read__lt=upto).update(
                last_read=upto
            )


#: The one tracker of this process.
read_tracker = ReadTracker()
