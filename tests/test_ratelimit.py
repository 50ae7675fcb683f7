"""Shared limits counted in the cache (``chat.ratelimit``): the sliding window, waits, outages."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from chat import ratelimit
from chat.errors import TooFast
from chat.ratelimit import Rate, give_back, readable_wait, take

#: Three events per 10 s window; the windows start at 0, 10, 20...
RATE = Rate("test", 3, 10, "Wait {wait}.")


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

    # The next window's weighted share of these 3 falls to 2 after 3.33 s of it: 6 + 3.33 s.
    assert refused.value.message == "Wait 10 s."
    assert refused.value.retry_after == 10


def test_take_allows_again_once_the_wait_is_over():
    take_many("alice", 1.0, 2.0, 3.0)
    with pytest.raises(TooFast):
        take(RATE, "alice", now=4.0)

    take(RATE, "alice", now=4.0 + 10)


def test_take_still_refuses_just_before_the_wait_is_over():
    take_many("alice", 1.0, 2.0, 3.0)
    with pytest.raises(TooFast):
        take(RATE, "alice", now=4.0)

    with pytest.raises(TooFast):
        take(RATE, "alice", now=13.0)  # 3 x 70% of the last window + this one


def test_take_refused_attempts_do_not_extend_the_wait():
    take_many("alice", 1.0, 2.0, 3.0)
    for _ in range(10):
        with pytest.raises(TooFast):
            take(RATE, "alice", now=4.0)

    with pytest.raises(TooFast) as refused:
        take(RATE, "alice", now=4.0)

    assert refused.value.message == "Wait 10 s."


def test_take_counts_each_subject_apart():
    take_many("alice", 1.0, 2.0, 3.0)

    take(RATE, "bob", now=4.0)


def test_take_counts_each_rate_apart():
    take_many("alice", 1.0, 2.0, 3.0)

    take(Rate("other", 3, 10, "Wait {wait}."), "alice", now=4.0)


# --- the sliding window ------------------------------------------------------------------


def test_take_weighs_the_end_of_the_last_window_into_the_next():
    take_many("alice", 9.9, 9.9, 9.9)

    with pytest.raises(TooFast) as refused:
        take(RATE, "alice", now=10.5)  # 3 x 95% of the last window + this one

    # Once 1/3 of the last window has slid out: at 13.33 s.
    assert refused.value.message == "Wait 3 s."


def test_take_lets_the_last_window_slide_out_of_view():
    take_many("alice", 9.9, 9.9, 9.9)

    take(RATE, "alice", now=19.95)  # 3 x 0.5% of the last window + this one


def test_take_forgets_windows_older_than_the_last():
    take_many("alice", 9.9, 9.9, 9.9)

    take_many("alice", 20.0, 20.0, 20.0)


# --- giving back -----------------------------------------------------------------------


def test_give_back_undoes_one_take(monkeypatch):
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 5.0))
    take_many("alice", 1.0, 2.0, 3.0)

    give_back(RATE, "alice")

    take(RATE, "alice", now=5.0)
    with pytest.raises(TooFast):
        take(RATE, "alice", now=5.0)


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
        give_back(RATE, "alice", key="rate:test:alice:0")

    assert [record.getMessage() for record in caplog.records] == [
        "limit 'test' not given back, the cache failed (ConnectionError('cache unreachable'))"
    ]


# --- the chat's limits -------------------------------------------------------------------


def test_posting_limit_is_20_messages_in_10_seconds():
    assert ratelimit.POSTING.limit == 20
    assert ratelimit.POSTING.window == 10
