"""Shared limits counted in the cache (``chat.ratelimit``): the sliding log, waits, outages;
with the local-memory cache and with Redis."""

from __future__ import annotations

import gc
import logging
from site import redis_urls

import pytest
import redis
from django.core.cache import cache

from chat import ratelimit
from chat.errors import TooFast
from chat.ratelimit import Rate, give_back, readable_wait, take

#: Three events in any 10 s.
RATE = Rate("test", 3, 10, "Wait {wait}.")


@pytest.fixture(params=["local memory", "redis"], autouse=True)
def each_cache(request: pytest.FixtureRequest, settings) -> None:
    """Each test runs with the local-memory cache and with Redis (TEST_REDIS_URL)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        settings.CACHES = {"default": redis_urls.cache(url)}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    yield
    cache.clear()


def take_many(subject: object, *moments: float) -> None:
    for now in moments:
        take(RATE, subject, now=now)


class BrokenCache:
    """A cache whose server cannot be reached."""

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache unreachable")

    add = incr = decr = get = set = _fail


# --- the limit -------------------------------------------------------------------------


def test_take_allows_up_to_the_limit_within_a_window():
    take_many("alice", 1.0, 2.0, 3.0)


def test_take_refuses_one_event_over_the_limit_with_the_wait():
    take_many("alice", 1.0, 2.0, 3.0)

    with pytest.raises(TooFast) as refused:
        take(RATE, "alice", now=4.0)

    # The event at 1.0 leaves the last 10 s at 11.0.
    assert refused.value.message == "Wait 7 s."
    assert refused.value.retry_after == 7


def test_take_allows_again_exactly_when_the_oldest_leaves_the_window():
    take_many("alice", 1.0, 2.0, 3.0)

    with pytest.raises(TooFast):
        take(RATE, "alice", now=10.999)
    take(RATE, "alice", now=11.0)
    with pytest.raises(TooFast):
        take(RATE, "alice", now=11.5)  # 2.0, 3.0 and 11.0 are within the last 10 s
    take(RATE, "alice", now=12.0)


def test_take_allows_the_whole_limit_again_one_window_after_a_burst():
    # The case that was refused: a burst at the end of one fixed window held back most of
    # the next one.
    take_many("alice", 9.9, 9.9, 9.9)

    take_many("alice", 19.9, 19.9, 19.9)
    with pytest.raises(TooFast):
        take(RATE, "alice", now=19.9)


def test_the_posting_limit_lets_16_through_again_10_6_seconds_after_16():
    for n in range(16):
        take(ratelimit.POSTING, "alice", now=1000.0 + n * 0.1)

    for n in range(16):
        take(ratelimit.POSTING, "alice", now=1010.6 + n * 0.1)


def test_the_posting_limit_is_20_in_any_10_seconds():
    for n in range(20):
        take(ratelimit.POSTING, "alice", now=1000.0 + n * 0.4)  # the last at 1007.6

    with pytest.raises(TooFast) as refused:
        take(ratelimit.POSTING, "alice", now=1009.0)
    assert refused.value.retry_after == 1  # the first leaves at 1010.0
    take(ratelimit.POSTING, "alice", now=1010.0)


def test_take_refused_attempts_do_not_extend_the_wait():
    take_many("alice", 1.0, 2.0, 3.0)
    for _ in range(10):
        with pytest.raises(TooFast):
            take(RATE, "alice", now=4.0)

    take(RATE, "alice", now=11.0)


def test_take_counts_each_subject_apart():
    take_many("alice", 1.0, 2.0, 3.0)

    take(RATE, "bob", now=4.0)


def test_take_counts_each_rate_apart():
    take_many("alice", 1.0, 2.0, 3.0)

    take(Rate("other", 3, 10, "Wait {wait}."), "alice", now=4.0)


def test_take_forgets_events_older_than_the_window():
    take_many("alice", 9.9, 9.9, 9.9)

    take_many("alice", 20.0, 20.0, 20.0)


# --- giving back -----------------------------------------------------------------------


def test_counting_keeps_nothing_of_each_event_in_the_process():
    # Django's Redis cache makes a client for each call: none may outlive its event (a
    # long-running server counts events all day).
    def clients() -> int:
        gc.collect()
        # Not isinstance(): it reads ``__class__``, which makes a lazy object left from an
        # earlier test evaluate (a request's CSP nonce raises once it is sent).
        return sum(issubclass(type(thing), redis.Redis) for thing in gc.get_objects())

    take(RATE, "warm-up", now=1.0)
    before = clients()

    take_many("bob", *(100.0 + 11 * n for n in range(30)))  # one a window: all let through

    assert clients() == before


def test_give_back_undoes_one_take():
    take_many("alice", 1.0, 2.0, 3.0)

    give_back(RATE, "alice")

    take(RATE, "alice", now=5.0)
    with pytest.raises(TooFast) as refused:
        take(RATE, "alice", now=5.0)
    assert refused.value.retry_after == 6  # the event at 1.0 still counts


def test_give_back_with_nothing_counted_does_nothing():
    give_back(RATE, "alice")

    take_many("alice", 1.0, 2.0, 3.0)


# --- waits in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.2, "1 s"),
        (8.2, "9 s"),
        (119, "119 s"),
        (120, "2 minutes"),
        (125, "3 minutes"),
        (60 * 15, "15 minutes"),
    ],
)
def test_readable_wait_says_seconds_under_two_minutes_else_whole_minutes(seconds, words):
    assert readable_wait(seconds) == words


# --- a cache outage --------------------------------------------------------------------


def test_take_lets_the_event_through_when_the_cache_fails(monkeypatch, caplog):
    monkeypatch.setattr(ratelimit, "cache", BrokenCache())

    with caplog.at_level(logging.WARNING, logger="chat.ratelimit"):
        take_many("alice", 1.0, 2.0, 3.0, 4.0)

    assert [record.getMessage() for record in caplog.records] == [
        "limit 'test' not counted, the cache failed (ConnectionError('cache unreachable'))"
    ] * 4


def test_give_back_logs_when_the_cache_fails(monkeypatch, caplog):
    monkeypatch.setattr(ratelimit, "cache", BrokenCache())

    with caplog.at_level(logging.WARNING, logger="chat.ratelimit"):
        give_back(RATE, "alice")

    assert [record.getMessage() for record in caplog.records] == [
        "limit 'test' not given back, the cache failed (ConnectionError('cache unreachable'))"
    ]


# --- the chat's limits -------------------------------------------------------------------


def test_posting_limit_is_20_messages_in_10_seconds():
    assert ratelimit.POSTING.limit == 20
    assert ratelimit.POSTING.window == 10


def test_a_limit_with_a_setting_reads_it_when_taken(settings):
    settings.CHAT_ROOMS_PER_PERSON_PER_HOUR = 2
    take(ratelimit.ROOM_CREATION, "alice", now=1.0)
    take(ratelimit.ROOM_CREATION, "alice", now=2.0)

    with pytest.raises(TooFast) as refused:
        take(ratelimit.ROOM_CREATION, "alice", now=3.0)

    assert refused.value.message == (
        "You have created many rooms in a short time. Try again in 60 minutes."
    )


def test_a_refusal_may_say_the_limit(settings):
    settings.CHAT_UPLOADS_PER_HOUR = 1200

    assert ratelimit.UPLOADS.refusal(8.2) == (
        "You can share 1,200 files an hour. Try again in 9 s."
    )
