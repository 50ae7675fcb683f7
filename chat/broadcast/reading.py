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
from django.db import connection, transaction

from chat.broadcast import events, receipts
from chat.models import Membership

logger = logging.getLogger(__name__)

READ_FLUSH_SECONDS = 0.5


class ReadTracker:
    """The newest message shown to each (user, room) in this process, not yet written."""

    def __init__(self, interval: float = READ_FLUSH_SECONDS) -> None:
        self.interval = interval
        self._pending: dict[tuple[int, int], int] = {}
        #: The direct rooms among those noted: only their positions ask for a receipt.
        self._direct: set[int] = set()
        self._task: asyncio.Task | None = None
        #: Held while a batch is taken and written: ``forget`` waits on it (one per loop).
        self._writing: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def note(self, user_id: int, room_id: int, upto: int, *, direct: bool = False) -> None:
        """Called when a socket shows messages up to ``upto``; written shortly after.
        ``direct``: a conversation of two, whose read receipt follows the position."""
        key = (user_id, room_id)
        if upto > self._pending.get(key, 0):
            self._pending[key] = upto
        if direct:
            self._direct.add(room_id)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._flush_later())

    async def forget(self, user_id: int, room_id: int) -> None:
        """Drop what was noted for (``user_id``, ``room_id``) and not written yet (the person
        marked the room unread, and a write a moment later must not undo it), and wait for a
        batch being written, which may hold it: after this, nothing of this process moves
        the position on (``chat.messages.catching_up.keep_unread`` puts it back if it did)."""
        self._pending.pop((user_id, room_id), None)
        async with self._lock():
            pass

    def _lock(self) -> asyncio.Lock:
        # A process runs one loop; the tests start one per test, and a lock is bound to its.
        loop = asyncio.get_running_loop()
        if self._writing is None or self._writing[0] is not loop:
            self._writing = (loop, asyncio.Lock())
        return self._writing[1]

    async def _flush_later(self) -> None:
        # Until nothing is left: what is noted while a batch is being written finds this
        # task not done yet, starts none of its own, and is the next batch.
        while self._pending:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def flush(self, user_id: int | None = None) -> None:
        """Write everything noted so far (or only ``user_id``'s), in one transaction."""
        async with self._lock():
            if user_id is None:
                batch, self._pending = self._pending, {}
            else:
                batch = {key: upto for key, upto in self._pending.items() if key[0] == user_id}
                for key in batch:
                    del self._pending[key]
            if not batch:
                return
            direct = {room_id for _user, room_id in batch if room_id in self._direct}
            if user_id is None:
                self._direct = set()
            await self._store(batch, direct)

    async def _store(self, batch: dict[tuple[int, int], int], direct: set[int]) -> None:
        try:
            receipts_frames = await database_sync_to_async(_write)(batch, direct)
            # The direct rooms whose "Seen" moved (chat.broadcast.receipts): after commit.
            for room_id, html in receipts_frames:
                await events.areceipt_moved(room_id, html)
        except Exception:
            # Unread counts are a convenience: a failed write must not break delivery.
            logger.exception("could not record read positions")


def _write(
    batch: dict[tuple[int, int], int], direct: set[int] = frozenset()
) -> list[tuple[int, str]]:
    """Write the batch; the read receipts of the positions that moved in the ``direct``
    rooms among it, to send."""
    moved = []
    # Rows are locked in one order in every process (sorted by user, then room): two
    # processes flushing overlapping batches then queue behind each other instead of
    # each holding a row the other waits for (a deadlock on PostgreSQL). One plain
    # statement, sent for many rows at once (executemany): a batch holds a row for every
    # person reading every room of this process, and the ORM compiled a query for each.
    # Direct rooms' rows go one by one, in their place, for their row counts.
    pending: list[tuple[int, int, int, int]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for (user_id, room_id), upto in sorted(batch.items()):
            if room_id not in direct:
                pending.append((upto, user_id, room_id, upto))
                continue
            if pending:
                cursor.executemany(_MOVE_READ, pending)
                pending = []
            cursor.execute(_MOVE_READ, (upto, user_id, room_id, upto))
            if cursor.rowcount:
                moved.append((user_id, room_id))
        if pending:
            cursor.executemany(_MOVE_READ, pending)
    # Only direct rooms' positions that moved ask for more: nothing at all for the rest.
    return receipts.frames_for_moved(moved)


_MOVE_READ = (
    f"UPDATE {Membership._meta.db_table} SET last_read = %s"  # noqa: S608 - our own table
    " WHERE user_id = %s AND room_id = %s AND last_read < %s"
)


#: The one tracker of this process.
read_tracker = ReadTracker()
