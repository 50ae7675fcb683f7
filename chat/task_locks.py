"""One run at a time of a periodic task, with a lock that expires.

Every consumer's scheduler enqueues each periodic task (``chat.tasks``), so a periodic
task takes this lock first and a run that finds it taken does nothing. The lock lives in
the cache (Redis on many boxes; the consumer's own memory on one box, where there is one
consumer) and expires by itself, because a run cannot always give it back: Redis may be
away just as the run ends, or the consumer may be killed mid-run. huey's own
``lock_task`` keeps its lock until someone deletes it, so either of those stopped the
task for good, until an operator flushed the lock by hand.

Two runs at once remain possible when a run outlasts its lock; each periodic task is
written so that it may be repeated (a plain DELETE, or a conditional UPDATE that one
claimer wins), so the lock saves work and never guards correctness.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

Task = TypeVar("Task", bound=Callable[..., None])


def lock_key(name: str) -> str:
    """The cache key of the periodic task lock ``name``."""
    return f"chat:task-lock:{name}"


def claim(key: str, seconds: int) -> str | None:
    """Take the lock ``key`` for ``seconds`` at most: a token for ``release``, or None when
    another run holds it. ``add`` is atomic in Redis across processes. The cache's errors
    are the caller's."""
    token = secrets.token_hex(8)
    return token if cache.add(key, token, seconds) else None


def release(key: str, token: str) -> None:
    """Give back the lock ``key`` if ``token`` still holds it: past its expiry it may be
    another run's now. A cache out of reach is a warning; the lock then expires by itself."""
    try:
        if cache.get(key) == token:
            cache.delete(key)
    except Exception as error:  # the cache's client raises its own errors
        logger.warning("%s expires by itself: the cache cannot be reached (%s)", key, error)


def one_at_a_time(name: str, *, expires_after: int) -> Callable[[Task], Task]:
    """Decorate a periodic task so that it runs only while it holds the lock ``name``,
    which expires ``expires_after`` seconds after it was taken (longer than a run takes).

    A run that finds the lock taken, or the cache out of reach, is skipped with a log line:
    the scheduler enqueues the task again at its next time."""
    key = lock_key(name)

    def decorate(task: Task) -> Task:
        @functools.wraps(task)
        def run(*args, **kwargs) -> None:
            try:
                token = claim(key, expires_after)
            except Exception as error:  # the cache's client raises its own errors
                logger.warning("%s skipped: the cache cannot be reached (%s)", name, error)
                return
            if token is None:
                logger.info("%s skipped: another run holds its lock", name)
                return
            try:
                task(*args, **kwargs)
            finally:
                release(key, token)

        return run  # type: ignore[return-value]

    return decorate
