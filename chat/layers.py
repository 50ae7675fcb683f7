"""The channel layer for many processes: channels-redis, made to survive a Redis restart.

Plain ``RedisChannelLayer`` lets a connection error escape ``receive``, which kills the
process's listener (``chat.fanout``), and a restarted Redis (it keeps nothing on disk
here) has forgotten every group. This layer keeps receiving through an outage and, once
Redis answers again, re-adds the group memberships of this process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What a stopped or unreachable Redis raises.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_FIRST_SECONDS = 0.2
RETRY_MAX_SECONDS = 3.0


class ResilientRedisChannelLayer(RedisChannelLayer):
    """``RedisChannelLayer`` that rides out Redis outages instead of failing its listeners."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._memberships: dict[str, set[str]] = defaultdict(set)
        self._recovering: asyncio.Task | None = None

    async def group_add(self, group: str, channel: str) -> None:
        """Join ``group`` and remember it, to join again after a Redis restart."""
        await super().group_add(group, channel)
        self._memberships[channel].add(group)

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
            except REDIS_DOWN:
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            logger.warning(
                "Redis is back: %d channels rejoined their groups", len(self._memberships)
            )
            return
