"""Channel layers made for one listener per process (``chat.broadcast.fanout``).

**Redis** (``ResilientRedisChannelLayer``). Plain ``RedisChannelLayer`` lets a connection
error escape ``receive``, which kills the process's listener, and a restarted Redis (it
keeps nothing on disk here) has forgotten every group. This layer keeps receiving
through an outage and, once Redis answers again, re-adds the group memberships of this
process within ``RETRY_MAX_SECONDS``, then tells its listeners (``on_recovery``) so they
can send their sockets what was said while the process was cut off. A restart that
happens between two reads raises nothing (redis-py quietly reconnects a pooled
connection), so each process also keeps a key of its own in Redis and checks every
``WATCH_SECONDS`` that it is still there: a restarted Redis has lost it, and the groups.
A ``group_send`` whose pooled connection a restart broke is tried once more on a fresh
one, so the first message after Redis is back goes out live. (redis-py's own retry
option would do that for every command, the listener's blocking pop included, and so
hide the restart from the recovery above: the forgotten groups would never be joined
again.)

**In memory** (``KeepGroupsInMemoryChannelLayer``). Channels' in-memory layer drops a
channel from *every* group as soon as one event queued for it expires (60 s unread).
Meant for the dead channels of closed sockets, with one channel per process it would
leave a process whose loop stalled for a minute deaf to every room until it restarts.
Its ``group_send`` also puts the event on each channel's queue itself, where Channels'
starts a task per channel and waits for them all (``as_completed``): a queue in memory
never makes a sender wait, and with one channel per process those tasks were most of the
layer's cost per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What a stopped or unreachable Redis raises.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_FIRST_SECONDS = 0.1
#: The longest a process waits between attempts to reach Redis again: the gap, after
#: Redis is back, during which a message sent to this process's groups finds none.
RETRY_MAX_SECONDS = 0.5
#: How often a process checks that Redis still knows it (a restart between two reads
#: goes unseen otherwise: redis-py quietly reconnects a pooled connection).
WATCH_SECONDS = 1.0


class KeepGroupsInMemoryChannelLayer(InMemoryChannelLayer):
    """The in-memory layer, but an expired event only expires: group memberships stay."""

    def _remove_from_groups(self, channel: str) -> None:
        # Channels calls this for each expired event. Each channel here is a live
        # process listener, left explicitly when its last socket closes.
        return

    async def group_send(self, group: str, message: dict) -> None:
        """Put ``message`` on the queue of each channel in ``group`` (a full one is skipped,
        as Channels does), then give the loop one turn, so that the listeners it woke hand
        the event to their sockets before the sender goes on (its acknowledgement, its
        notifications), as they did when Channels sent from a task of its own."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)
        await asyncio.sleep(0)


class ResilientRedisChannelLayer(RedisChannelLayer):
    """``RedisChannelLayer`` that rides out Redis outages instead of failing its listeners."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._memberships: dict[str, set[str]] = defaultdict(set)
        self._recovering: asyncio.Task | None = None
        self._watching: asyncio.Task | None = None
        self._recovery_listeners: list[Callable[[], None]] = []
        # A key only this process writes: while Redis has it, Redis has this process's groups.
        self._marker = f"{self.prefix}:alive:{self.client_prefix}"

    def on_recovery(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` each time this process's groups are rejoined after an outage."""
        self._recovery_listeners.append(callback)

    async def group_send(self, group: str, message: dict) -> None:
        """Send to ``group``; once more, on a fresh connection, if the pooled one was broken."""
        try:
            await super().group_send(group, message)
        except REDIS_DOWN:
            # redis-py has dropped the broken connection; the pool makes a new one.
            await super().group_send(group, message)

    async def group_add(self, group: str, channel: str) -> None:
        """Join ``group`` and remember it, to join again after a Redis restart."""
        await super().group_add(group, channel)
        self._memberships[channel].add(group)
        if self._watching is None or self._watching.done():
            await self.connection(0).set(self._marker, 1)
            self._watching = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if not self._memberships or (self._recovering and not self._recovering.done()):
                continue
            try:
                known = await self.connection(0).exists(self._marker)
            except REDIS_DOWN:
                self._start_recovery()
                continue
            if not known:
                logger.warning("Redis restarted and forgot this process's groups")
                self._start_recovery()

    async def group_discard(self, group: str, channel: str) -> None:
        """Leave ``group``; with Redis down the membership simply expires later."""
        groups = self._memberships.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self._memberships[channel]
        try:
            await super().group_discard(group, channel)
        except REDIS_DOWN:
            logger.warning("Redis unreachable: %s left %s only locally", channel, group)

    async def receive(self, channel: str) -> dict:
        """Wait for the next message on ``channel``, waiting out Redis outages."""
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                return await super().receive(channel)
            except REDIS_DOWN:
                self._start_recovery()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _clean_receive_backup(self, index: int, channel: str) -> None:
        """Drop a received message's backup copy, on a task channels-redis starts and never
        awaits: with Redis down (a failover, a restart, the server stopping meanwhile) the
        copy stays and expires, and the error is logged here rather than by asyncio as a
        task exception nobody retrieved."""
        try:
            await super()._clean_receive_backup(index, channel)
        except REDIS_DOWN as error:
            logger.warning("Redis unreachable: a received message's backup was kept (%s)", error)

    def _start_recovery(self) -> None:
        if self._recovering is None or self._recovering.done():
            logger.warning("Redis unreachable: live delivery paused until it is back")
            self._recovering = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            await asyncio.sleep(delay)
            try:
                for channel, groups in list(self._memberships.items()):
                    for group in list(groups):
                        await super().group_add(group, channel)
                await self.connection(0).set(self._marker, 1)
            except REDIS_DOWN:
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            logger.warning(
                "Redis is back: %d channels rejoined their groups", len(self._memberships)
            )
            for callback in self._recovery_listeners:
                callback()
            return
