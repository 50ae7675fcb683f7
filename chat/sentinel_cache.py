"""Django's Redis cache, reaching the primary of a Sentinel-watched service.

Django's ``RedisCache`` knows only fixed server addresses. This one takes a
``redis+sentinel://`` LOCATION (``site.redis_urls``) and asks the Sentinels where the
primary is; after a failover, the next connection goes to the new one. Reads go to the
primary too: rate limits (``chat.ratelimit``) count there, and a replica a moment behind
would let a burst through. While no primary answers, calls fail quickly (the short
socket timeouts of ``CACHES``) and the cache's users let the action through.
"""

from __future__ import annotations

from site import redis_urls

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.sentinel import Sentinel, SentinelConnectionPool


class SentinelRedisCacheClient(RedisCacheClient):
    """Django's client, with one pool: the service's primary, as the Sentinels say."""

    def __init__(self, url: str, **options) -> None:
        super().__init__([url], **options)
        self._service = redis_urls.parse_sentinel(url, **self._pool_options)

    def _get_connection_pool(self, write: bool) -> SentinelConnectionPool:
        if 0 not in self._pools:
            sentinel = Sentinel(
                self._service.sentinels, sentinel_kwargs=self._service.sentinel_options()
            )
            self._pools[0] = SentinelConnectionPool(
                self._service.service, sentinel, **self._service.connection_options()
            )
        return self._pools[0]


class SentinelRedisCache(RedisCache):
    """``RedisCache`` whose LOCATION is a ``redis+sentinel://`` URL."""

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        # RedisCache splits LOCATION at commas, as a list of servers; here the commas
        # separate Sentinels of one URL.
        self._servers = server
        self._class = SentinelRedisCacheClient
