"""One run at a time of a periodic task (``chat.task_locks``): in the shared Redis, with an
expiry, and never stopped for good by a lock that could not be given back."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.core.cache.backends import locmem
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from chat import task_locks

#: Nothing listens on port 1: a cache there is Redis out of reach, as in an outage.
UNREACHABLE = "redis://127.0.0.1:1/0"
TIDY = task_locks.lock_key("tidy")


def redis_cache(url: str) -> RedisCache:
    return RedisCache(url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})


@pytest.fixture
def shared(redis_url, monkeypatch) -> RedisCache:
    """The locks in the real Redis, as every box shares them."""
    cache = redis_cache(redis_url)
    cache.clear()
    monkeypatch.setattr(task_locks, "cache", cache)
    return cache


@pytest.mark.redis
def test_a_run_while_another_holds_the_lock_is_skipped(shared, caplog) -> None:
    runs = []

    @task_locks.one_at_a_time("tidy", expires_after=60)
    def tidy(inner: bool = False) -> None:
        runs.append(inner)
        if not inner:
            tidy(inner=True)  # another consumer's run of the same task, while this one holds it

    with caplog.at_level(logging.INFO, logger="chat.task_locks"):
        tidy()
    assert runs == [False]
    assert "tidy skipped: another run holds its lock" in caplog.text

    tidy()  # given back once the run is over
    assert runs == [False, False]


def test_a_lock_no_one_gave_back_expires(monkeypatch) -> None:
    cache = LocMemCache("task-locks", {})
    monkeypatch.setattr(task_locks, "cache", cache)
    runs = []

    @task_locks.one_at_a_time("tidy", expires_after=300)
    def tidy() -> None:
        runs.append(1)

    # A run killed while holding it: the lock is taken and never given back.
    assert task_locks.claim(TIDY, 300) is not None
    tidy()
    assert runs == []

    later = locmem.time.time() + 301
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))
    tidy()
    assert runs == [1]


@pytest.mark.redis
def test_a_run_gives_back_only_its_own_lock(shared) -> None:
    first = task_locks.claim(TIDY, 60)
    shared.delete(TIDY)  # as if it had expired during a long run
    second = task_locks.claim(TIDY, 60)
    assert first and second and first != second

    task_locks.release(TIDY, first)
    assert task_locks.claim(TIDY, 60) is None  # still the second run's
    task_locks.release(TIDY, second)
    assert task_locks.claim(TIDY, 60) is not None


def test_redis_out_of_reach_skips_the_run_with_a_warning(monkeypatch, caplog) -> None:
    monkeypatch.setattr(task_locks, "cache", redis_cache(UNREACHABLE))
    runs = []

    @task_locks.one_at_a_time("tidy", expires_after=60)
    def tidy() -> None:
        runs.append(1)

    with caplog.at_level(logging.WARNING, logger="chat.task_locks"):
        tidy()
    assert runs == []
    assert "tidy skipped: the cache cannot be reached" in caplog.text


@pytest.mark.redis
def test_redis_going_away_during_a_run_does_not_fail_it(shared, monkeypatch, caplog) -> None:
    """The run that was under way when Redis stopped: its lock cannot be given back, and
    expires by itself instead of failing the task (or stopping it for good)."""
    runs = []

    @task_locks.one_at_a_time("tidy", expires_after=60)
    def tidy() -> None:
        runs.append(1)
        monkeypatch.setattr(task_locks, "cache", redis_cache(UNREACHABLE))

    with caplog.at_level(logging.WARNING, logger="chat.task_locks"):
        tidy()
    assert runs == [1]
    assert "chat:task-lock:tidy expires by itself: the cache cannot be reached" in caplog.text
    key = shared.make_and_validate_key(TIDY)
    assert 0 < shared._cache.get_client().ttl(key) <= 60  # left behind, and expiring
