"""What ``REDIS_URL`` names: one Redis server, or a Redis service its Sentinels watch.

Read in one place for the channel layer and the cache (``site/settings.py``, through
``site.env``), and by the cache that follows a failover (``chat.sentinel_cache``):

- ``redis://[[user]:password@]host:port/db``, ``rediss://…`` or ``unix://…``: one server,
  as redis-py spells it.
- ``redis+sentinel://[[user]:password@]host:port[,host:port…]/service[/db]``: the
  primary of ``service``, asked of the Sentinels listed (port 26379 when left out). The
  password is the Redis servers'; Sentinels that need one of their own take
  ``?sentinel_password=…``. After a failover every new connection goes to the new primary.

A spelling that is none of these stops start-up (``ImproperlyConfigured``, said in one
line by ``manage.py``) rather than failing at the first message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
#: The longest a Sentinel may take to answer where the primary is.
SENTINEL_SECONDS = 1
#: How the cache reaches a Sentinel-watched Redis (``chat.sentinel_cache``).
SENTINEL_CACHE_BACKEND = "chat.sentinel_cache.SentinelRedisCache"
PLAIN_SCHEMES = ("redis", "rediss", "unix")
SPELLING = f"{SENTINEL_SCHEME}://[:password@]host:port[,host:port…]/service[/db]"


@dataclass(frozen=True)
class SentinelService:
    """A Redis primary found through its Sentinels."""

    sentinels: list[tuple[str, int]]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = None
    #: Options for the Redis connections (timeouts), not part of the URL.
    options: dict = field(default_factory=dict)

    def sentinel_options(self) -> dict:
        """How to talk to the Sentinels: one quick try each. redis-py would otherwise give
        them no timeout (a silent one hangs the caller) and ten retries (a dead one holds
        every new connection for seconds before the next Sentinel is asked)."""
        found = {
            "socket_connect_timeout": SENTINEL_SECONDS,
            "socket_timeout": SENTINEL_SECONDS,
            "retry": None,
        }
        if self.sentinel_password:
            found["password"] = self.sentinel_password
        return found

    def connection_options(self) -> dict:
        """How to talk to the primary: database, credentials, timeouts."""
        found = {"db": self.db, **self.options}
        if self.username:
            found["username"] = self.username
        if self.password:
            found["password"] = self.password
        return found


def _fail(why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"REDIS_URL: {why} (expected redis://… or {SPELLING}).")


def parse_sentinel(url: str, **options) -> SentinelService:
    """The service a ``redis+sentinel://`` URL names, to be reached with connection
    ``options`` (timeouts); ``ImproperlyConfigured`` if misspelled."""
    parts = urlsplit(url)
    if parts.scheme.lower() != SENTINEL_SCHEME:
        raise _fail(f"{parts.scheme!r} is not {SENTINEL_SCHEME!r}")
    credentials, _, hosts = parts.netloc.rpartition("@")
    username, _, password = credentials.partition(":")
    sentinels = []
    for entry in hosts.split(","):
        entry = entry.strip()
        host, port = entry, ""
        if ":" in entry and not entry.endswith("]"):  # "[::1]" is an IPv6 address alone
            host, _, port = entry.rpartition(":")
        host = host.strip("[]")  # an IPv6 address is written in brackets
        if not host:
            raise _fail(f"a Sentinel address is empty in {hosts!r}")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise _fail(f"{port!r} is not a port")
        sentinels.append((host, int(port) if port else SENTINEL_PORT))
    path = [unquote(segment) for segment in parts.path.split("/")[1:]]
    if path[-1:] == [""]:
        path.pop()  # a trailing slash
    if not path or not path[0]:
        raise _fail("the service name is missing")
    if len(path) > 2:
        raise _fail(f"{parts.path!r} has more than a service name and a database number")
    if len(path) == 2 and not path[1].isdigit():
        raise _fail(f"the database {path[1]!r} is not a number")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"sentinel_password"}
    if unknown:
        raise _fail(f"unknown option {sorted(unknown)[0]!r}")
    return SentinelService(
        sentinels=sentinels,
        service=path[0],
        db=int(path[1]) if len(path) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_password=query.get("sentinel_password", [None])[-1] or None,
        options=options,
    )


def check(url: str, **options) -> SentinelService | None:
    """The Sentinel service ``url`` names, or None for one plain server; raises
    ``ImproperlyConfigured`` for a scheme that is neither."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == SENTINEL_SCHEME:
        return parse_sentinel(url, **options)
    if scheme not in PLAIN_SCHEMES:
        raise _fail(f"unknown scheme {scheme!r}")
    return None


def channel_layer_host(url: str, **options) -> dict:
    """One ``hosts`` entry of channels-redis for ``url``, with connection ``options``."""
    service = check(url, **options)
    if service is None:
        return {"address": url, **options}
    return {
        "sentinels": service.sentinels,
        "master_name": service.service,
        "sentinel_kwargs": service.sentinel_options(),
        **service.connection_options(),
    }


def cache(url: str, **options) -> dict:
    """The ``CACHES["default"]`` entry for ``url``, with connection ``options``."""
    backend = "django.core.cache.backends.redis.RedisCache"
    if check(url) is not None:
        backend = SENTINEL_CACHE_BACKEND
    return {"BACKEND": backend, "LOCATION": url, "OPTIONS": options}


def huey_connection(url: str, **options) -> dict:
    """How huey's ``RedisHuey`` reaches ``url``: the URL itself for one server, or a pool
    that asks the Sentinels for the primary (huey reads only redis-py's plain spellings,
    so a ``redis+sentinel://`` URL is turned into that pool here)."""
    service = check(url, **options)
    if service is None:
        return {"url": url}
    from redis.sentinel import Sentinel, SentinelConnectionPool

    sentinel = Sentinel(service.sentinels, sentinel_kwargs=service.sentinel_options())
    return {
        "connection_pool": SentinelConnectionPool(
            service.service, sentinel, **service.connection_options()
        )
    }
