"""Per-person (or per-address) limits, counted in the cache so every process shares them.

With ``REDIS_URL`` the default cache is Redis, so a limit holds across every tab, socket,
worker process and the no-JavaScript forms; without it there is one process and its
local-memory cache. Each limit is exactly what it says, "N in T seconds": a *sliding log*
of the moments of the last events (at most N per subject), and an event is let through
while fewer than N happened in the T seconds before it. So N events are let through again
exactly T seconds after the last N, never sooner and never later.

In Redis the log is a sorted set, trimmed, counted and added to in one Lua script, so
processes racing for the last place cannot both take it; in the local-memory cache a lock
does the same within the process (the only one sharing that cache).

An earlier version counted two fixed windows and weighed the previous one's count by how
much of it still overlapped: that let a burst at the end of one window hold back most of
the next one (16 posts, then 16 more 10.6 s later had 5 refused under "20 in 10 s").

A refused attempt is not logged, so hammering a limit does not push the wait further.

A limit an operator may change is named by its setting (``CHAT_UPLOADS_PER_HOUR``), which
is read each time the limit is taken: tests change it with pytest-django's ``settings``.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from chat import limits
from chat.errors import TooFast

logger = logging.getLogger(__name__)

PREFIX = "rate"


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` events per ``window`` seconds for one subject."""

    name: str
    #: How many events a window allows: a number, or the name of the setting that holds it.
    allowed: int | str
    window: int
    #: The refusal, with ``{wait}`` for a readable wait ("8 s", "12 minutes") and
    #: ``{limit}`` for how many events a window allows.
    message: str

    @property
    def limit(self) -> int:
        """How many events a window allows, read now (from its setting, if it has one)."""
        if isinstance(self.allowed, str):
            return int(getattr(settings, self.allowed))
        return self.allowed

    def refusal(self, wait: float) -> str:
        """The refusal, in words, to someone who may try again in ``wait`` seconds."""
        return self.message.format(wait=readable_wait(wait), limit=self.limit)


POSTING = Rate(
    "post",
    limits.POSTS_PER_WINDOW,
    limits.POST_WINDOW_SECONDS,
    "You are sending messages too fast. Wait {wait}; your text is kept.",
)
#: Edits, deletions and reactions: the same budget as posting (the same counter), in words
#: that fit them.
CHANGING = Rate(
    POSTING.name,
    POSTING.allowed,
    POSTING.window,
    "You are doing that too fast. Wait {wait} and try again.",
)
ROOM_CREATION = Rate(
    "room",
    "CHAT_ROOMS_PER_PERSON_PER_HOUR",
    3600,
    "You have created many rooms in a short time. Try again in {wait}.",
)
#: Files shared (``chat.messages.attachments``), on top of the posting limit each file counts in.
UPLOADS = Rate(
    "upload",
    "CHAT_UPLOADS_PER_HOUR",
    3600,
    "You can share {limit:,} files an hour. Try again in {wait}.",
)
#: Profile changes (``chat.people.profiles``): each one is sent to every room the person is in.
PROFILE_CHANGES = Rate(
    "profile",
    limits.PROFILE_CHANGES_PER_HOUR,
    3600,
    "You have changed your profile many times in a short time. Try again in {wait}.",
)
SIGNUP = Rate(
    "signup",
    "CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR",
    3600,
    "Too many accounts were created from your network just now. Try again in {wait}.",
)
#: Password reset links asked for from one client address, and for one e-mail address
#: (counted for every address typed, so a refusal tells nothing of who has an account).
PASSWORD_RESETS_PER_ADDRESS = Rate(
    "reset-address",
    "CHAT_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR",
    3600,
    "Too many password resets were asked for from your network just now. Try again in {wait}.",
)
PASSWORD_RESETS_PER_EMAIL = Rate(
    "reset-email",
    "CHAT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR",
    3600,
    "Reset links for this address were asked for several times just now: look for them in "
    "your mail (and its spam folder), or try again in {wait}.",
)
#: Asking the switcher (``chat.rooms.switcher``): a request per pause in typing.
SWITCHING = Rate(
    "switch",
    limits.SWITCHES_PER_WINDOW,
    limits.SWITCHES_WINDOW_SECONDS,
    "You are looking for rooms too fast. Wait {wait} and type again.",
)
#: Looking people up in the directory (``chat.people.directory``): one per pause in typing.
DIRECTORY = Rate(
    "directory",
    limits.DIRECTORY_LOOKUPS_PER_WINDOW,
    limits.DIRECTORY_WINDOW_SECONDS,
    "You are looking people up too fast. Wait {wait} and type again.",
)
LOGIN_FAILURES = Rate(
    "login-failure",
    limits.LOGIN_FAILURES_PER_ADDRESS,
    limits.LOGIN_FAILURE_WINDOW_SECONDS,
    "Too many failed attempts; try again in {wait}.",
)


def readable_wait(seconds: float) -> str:
    """``8 s`` under two minutes, else whole minutes rounded up (``1 minute``, ``12 minutes``)."""
    if seconds < 120:
        return f"{max(1, math.ceil(seconds))} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _key(rate: Rate, subject: object) -> str:
    return f"{PREFIX}:{rate.name}:{subject}"


# KEYS[1]: the log; ARGV: now and window in whole milliseconds, limit, a unique member.
# Answers nil when the event is logged, else the moment of the oldest event still in the
# window.
_TAKE_SCRIPT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('PEXPIRE', KEYS[1], window)
    return false
end
return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
"""
#: The sliding log's script, registered once per process. Django's Redis cache makes a
#: new client for every call: each call runs it through its own (a script kept per client
#: kept every client, 6 KiB for each event counted).
_script = None
#: The local-memory cache's logs are read and written under this lock.
_local_lock = threading.Lock()


def _redis(key: str):
    """The Redis client and the full key, when the cache is Redis (``RedisCache`` or
    ``chat.sentinel_cache``); None otherwise."""
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:
        return None
    full_key = cache.make_and_validate_key(key)
    return client(full_key, write=True), full_key


def _log_event(rate: Rate, limit: int, subject: object, now: float) -> float | None:
    """Log one event at ``now`` if fewer than ``limit`` happened in the ``rate.window``
    seconds before it: None; else the moment of the oldest of those, and nothing logged.

    Moments are kept in whole milliseconds, so that "exactly T seconds later" is exact
    (in floats, 19.9 - 10 is less than 9.9)."""
    key = _key(rate, subject)
    now_ms, window_ms = round(now * 1000), round(rate.window * 1000)
    found = _redis(key)
    if found is not None:
        client, full_key = found
        global _script
        if _script is None:
            _script = client.register_script(_TAKE_SCRIPT)
        member = f"{now_ms}:{secrets.token_hex(8)}"
        oldest = _script(keys=[full_key], args=[now_ms, window_ms, limit, member], client=client)
        return None if oldest is None else int(oldest) / 1000
    with _local_lock:
        stamps = [stamp for stamp in cache.get(key, []) if stamp > now_ms - window_ms]
        if len(stamps) >= limit:
            return min(stamps) / 1000
        cache.set(key, [*stamps, now_ms], math.ceil(rate.window))
        return None


def take(rate: Rate, subject: object, *, now: float | None = None) -> None:
    """Count one event for ``subject``; raise ``TooFast`` (counting nothing) when
    ``rate.limit`` events happened in the last ``rate.window`` seconds.

    If the cache cannot be reached the event is let through, with a warning: limits are
    a guard against abuse, and an outage of Redis must not stop everyone from talking.
    """
    now = time.time() if now is None else now
    limit = rate.limit
    try:
        oldest = _log_event(rate, limit, subject, now)
    except Exception as error:
        logger.warning("limit %r not counted, the cache failed (%r)", rate.name, error)
        return
    if oldest is None:
        return
    wait = oldest + rate.window - now  # when the oldest event leaves the window
    raise TooFast(rate.refusal(wait), wait)


def give_back(rate: Rate, subject: object) -> None:
    """Undo the latest ``take`` for ``subject`` (e.g. the attempt turned out to be a success
    that should not count, or failed for another reason)."""
    key = _key(rate, subject)
    try:
        found = _redis(key)
        if found is not None:
            client, full_key = found
            client.zpopmax(full_key)
            return
        with _local_lock:
            stamps = cache.get(key, [])
            if stamps:
                stamps.remove(max(stamps))
                cache.set(key, stamps, math.ceil(rate.window))
    except Exception as error:
        logger.warning("limit %r not given back, the cache failed (%r)", rate.name, error)
