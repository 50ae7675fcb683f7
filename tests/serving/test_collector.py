"""A serving worker's collector policy (``chat.serving.collector``): full passes freeze what
survived them; garbage that was frozen is still freed by the complete pass that follows."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from chat.serving.collector import FrozenSurvivors


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Node:
    """A cycle: it points at itself, so only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def only_the_tests_passes() -> Iterator[None]:
    """No pass but the test's own: another thread's allocations must not start one."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@pytest.fixture
def policy(clock: Clock) -> Iterator[FrozenSurvivors]:
    gc.collect()
    policy = FrozenSurvivors(growth=10, every=600, clock=clock)
    policy.install()
    try:
        yield policy
    finally:
        policy.uninstall()
    assert gc.get_freeze_count() == 0


def dropped_cycle() -> weakref.ref:
    """A cycle nothing else holds; the reference is dead once the collector freed it."""
    return weakref.ref(Node())


def test_a_full_pass_freezes_what_survived_it(policy) -> None:
    gc.collect()
    assert policy.complete_passes == 1  # the first is complete
    assert gc.get_freeze_count() > 0


def test_a_cycle_dropped_between_passes_is_still_freed(policy) -> None:
    gc.collect()
    cycle = dropped_cycle()
    gc.collect()
    assert cycle() is None
    assert policy.complete_passes == 1


def test_a_frozen_cycle_waits_for_the_complete_pass_and_is_freed_then(policy, clock) -> None:
    held = Node()
    gc.collect()  # complete: ``held`` survives and is frozen
    cycle = weakref.ref(held)
    del held  # a socket that was open at the last pass, closed since

    gc.collect()
    assert cycle() is not None  # out of the collector's view
    assert policy.complete_passes == 1

    clock.now += 600
    gc.collect()
    assert cycle() is None
    assert policy.complete_passes == 2


def test_a_full_pass_is_complete_once_the_frozen_objects_have_grown(clock) -> None:
    gc.collect()
    policy = FrozenSurvivors(growth=1.0001, every=600, clock=clock)
    policy.install()
    try:
        gc.collect()  # complete
        kept = [[n] for n in range(10_000)]  # sockets that opened since
        gc.collect()  # freezes them: the frozen objects have grown
        assert policy.complete_passes == 1
        gc.collect()
        assert policy.complete_passes == 2
    finally:
        policy.uninstall()
    assert len(kept) == 10_000


def test_only_full_passes_freeze(policy) -> None:
    gc.collect(0)
    gc.collect(1)
    assert gc.get_freeze_count() == 0
    assert policy.complete_passes == 0
