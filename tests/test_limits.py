"""The sliding-window rate limiter."""

from chat.limits import SlidingWindowLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_up_to_limit_then_refuses():
    limiter = SlidingWindowLimiter(limit=3, window=10, clock=FakeClock())

    assert [limiter.allow() for _ in range(4)] == [True, True, True, False]


def test_limiter_frees_slots_as_window_slides():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=2, window=10, clock=clock)
    limiter.allow()
    clock.now += 5
    limiter.allow()

    clock.now += 5

    assert limiter.allow() is True
    assert limiter.allow() is False
    assert limiter.retry_after() == 5


def test_refused_attempts_do_not_extend_the_wait():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=1, window=10, clock=clock)
    limiter.allow()
    for _ in range(5):
        limiter.allow()

    clock.now += 10

    assert limiter.allow() is True
