"""Sign-in throttling: failed attempts counted per username and per client address.

State lives in Django's default cache (local memory in one process; Redis when
REDIS_URL is set, so every server process shares the counts). Each subject has a
counter and the time its window began, both expiring together when the window
(``LOGIN_FAILURE_WINDOW`` seconds) is over: a fixed window from the first failure.

An attempt is counted *before* the password is checked, with the cache's atomic
increment, and refused when the count passes the limit: a burst of parallel
guesses cannot all slip in before the first failures are recorded. A refused
attempt gives its count back, so hammering a locked username does not also fill
the address's budget (which would lock out everyone behind the same NAT). A
successful sign-in clears its username's count and gives back its address count;
a failed one simply keeps what it took.

Limits: ``LOGIN_FAILURES_PER_USERNAME`` (5) and ``LOGIN_FAILURES_PER_ADDRESS``
(20, higher because one address can be many people).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PREFIX = "login-throttle"


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt that has been counted (or refused)."""

    username_key: str
    address_key: str
    #: Seconds until the attempt may be retried; 0 when it was let through.
    retry_after: int = 0

    @property
    def refused(self) -> bool:
        return self.retry_after > 0

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _window() -> int:
    return int(settings.LOGIN_FAILURE_WINDOW)


def _username_key(username: str) -> str:
    # Hashed: any characters, any length, still a valid key for every cache backend.
    # Case-folded: "Alice" and "alice" share one budget, never two.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return f"{PREFIX}:user:{digest}"


def _address_key(address: str) -> str:
    return f"{PREFIX}:addr:{hashlib.sha256(address.encode()).hexdigest()}"


def _take(key: str, now: float) -> tuple[int, float]:
    """Count one attempt on ``key``: (attempts in this window, when the window began)."""
    window = _window()
    cache.add(f"{key}:since", now, window)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr: start a new one
        cache.set(f"{key}:since", now, window)
        cache.set(key, 1, window)
        count = 1
    since = cache.get(f"{key}:since", now)
    return count, since


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # already expired: nothing to give back
        cache.decr(key)


def begin(username: str, address: str) -> Attempt:
    """Count a sign-in attempt before its password is checked; refused when over a limit."""
    now = time.time()
    username_key, address_key = _username_key(username), _address_key(address)
    retry_after = 0.0
    for key, limit in (
        (username_key, settings.LOGIN_FAILURES_PER_USERNAME),
        (address_key, settings.LOGIN_FAILURES_PER_ADDRESS),
    ):
        count, since = _take(key, now)
        if count > limit:
            retry_after = max(retry_after, since + _window() - now)
    if retry_after > 0:
        _give_back(username_key)
        _give_back(address_key)
    return Attempt(username_key, address_key, math.ceil(retry_after))


def succeeded(attempt: Attempt) -> None:
    """The password was right: forget the username's failures, give back the address's count."""
    cache.delete_many([attempt.username_key, f"{attempt.username_key}:since"])
    _give_back(attempt.address_key)
