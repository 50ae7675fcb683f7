"""Per-person (or per-address) limits, counted in the cache so every process shares them.

With ``REDIS_URL`` the default cache is Redis, so a limit holds across every tab, socket,
worker process and the no-JavaScript forms; without it there is one process and its
local-memory cache. Each limit is a *sliding window counter*: the count of the current
fixed window plus the previous window's count weighted by how much of it still overlaps
the last ``window`` seconds. It needs two small counters per subject instead of a log of
timestamps, and errs by at most a fraction of one event at a window's edge.

A refused attempt gives its count back, so hammering a limit does not push the wait further.
"""

from __future__ import annotations

import logging
import math
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
    limit: int
    window: int
    #: The refusal, with ``{wait}`` for a readable wait ("8 s", "12 minutes").
    message: str


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
    POSTING.limit,
    POSTING.window,
    "You are doing that too fast. Wait {wait} and try again.",
)
ROOM_CREATION = Rate(
    "room",
    settings.CHAT_ROOMS_PER_PERSON_PER_HOUR,
    3600,
    "You have created many rooms in a short time. Try again in {wait}.",
)
#: Files shared (``chat.attachments``), on top of the posting limit each file counts in.
UPLOADS = Rate(
    "upload",
    settings.CHAT_UPLOADS_PER_HOUR,
    3600,
    f"You can share {settings.CHAT_UPLOADS_PER_HOUR} files an hour. Try again in {{wait}}.",
)
#: Profile changes (``chat.profiles``): each one is sent to every room the person is in.
PROFILE_CHANGES = Rate(
    "profile",
    limits.PROFILE_CHANGES_PER_HOUR,
    3600,
    "You have changed your profile many times in a short time. Try again in {wait}.",
)
SIGNUP = Rate(
    "signup",
    settings.CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR,
    3600,
    "Too many accounts were created from your network just now. Try again in {wait}.",
)
#: Password reset links asked for from one client address, and for one e-mail address
#: (counted for every address typed, so a refusal tells nothing of who has an account).
PASSWORD_RESETS_PER_ADDRESS = Rate(
    "reset-address",
    settings.CHAT_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR,
    3600,
    "Too many password resets were asked for from your network just now. Try again in {wait}.",
)
PASSWORD_RESETS_PER_EMAIL = Rate(
    "reset-email",
    settings.CHAT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR,
    3600,
    "Reset links for this address were asked for several times just now: look for them in "
    "your mail (and its spam folder), or try again in {wait}.",
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


def _keys(rate: Rate, subject: object, bucket: int) -> tuple[str, str]:
    base = f"{PREFIX}:{rate.name}:{subject}"
    return f"{base}:{bucket}", f"{base}:{bucket - 1}"


def _weighted(previous: int, current: int, elapsed: float, window: int) -> float:
    return previous * (1 - elapsed / window) + current


def _retry_after(rate: Rate, previous: int, current: int, elapsed: float) -> float:
    """Seconds until one more event fits, ``current`` being what this window already holds."""
    room = rate.limit - 1 - current
    window = rate.window
    if room >= 0 and previous > 0:
        # Within this window, once enough of the previous one has slid out of view.
        wait = window * (1 - room / previous) - elapsed
        if wait <= window - elapsed:
            return max(wait, 0.0)
    # In the next window, where this one's count becomes the weighted part.
    later = window * (1 - (rate.limit - 1) / current) if current else 0.0
    return (window - elapsed) + max(later, 0.0)


def _count(rate: Rate, subject: object, now: float) -> tuple[str, int, int, float]:
    """Count one event: (this window's key, its count, the previous window's, elapsed)."""
    bucket, elapsed = divmod(now, rate.window)
    current_key, previous_key = _keys(rate, subject, int(bucket))
    # Each counter lives two windows: long enough to be the "previous" one.
    cache.add(current_key, 0, rate.window * 2)
    try:
        current = cache.incr(current_key)
    except ValueError:  # expired between add and incr
        cache.set(current_key, 1, rate.window * 2)
        current = 1
    return current_key, current, cache.get(previous_key, 0), elapsed


def take(rate: Rate, subject: object, *, now: float | None = None) -> None:
    """Count one event for ``subject``; raise ``TooFast`` (giving it back) when over the limit.

    If the cache cannot be reached the event is let through, with a warning: limits are
    a guard against abuse, and an outage of Redis must not stop everyone from talking.
    """
    now = time.time() if now is None else now
    try:
        current_key, current, previous, elapsed = _count(rate, subject, now)
    except Exception as error:
        logger.warning("limit %r not counted, the cache failed (%r)", rate.name, error)
        return
    if _weighted(previous, current, elapsed, rate.window) <= rate.limit:
        return
    give_back(rate, subject, key=current_key)
    wait = _retry_after(rate, previous, current - 1, elapsed)
    raise TooFast(rate.message.format(wait=readable_wait(wait)), wait)


def give_back(rate: Rate, subject: object, *, key: str | None = None) -> None:
    """Undo one ``take`` of this window (e.g. the attempt turned out to be a success)."""
    key = key or _keys(rate, subject, int(time.time() // rate.window))[0]
    try:
        cache.decr(key)
    except ValueError:  # already expired: nothing to give back
        pass
    except Exception as error:
        logger.warning("limit %r not given back, the cache failed (%r)", rate.name, error)
