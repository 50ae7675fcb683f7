"""The harness keeps its own cycle collector out of what it times (``bench.collector``)."""

from __future__ import annotations

import gc
import weakref

import pytest

from bench import collector


class _Node:
    """Something a cycle can be made of, and a weak reference taken to."""

    other: _Node | None = None


def _cycle() -> weakref.ref:
    """A cycle of two nodes nothing else holds: only the collector can free it."""
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def collector_as_it_was():
    was = gc.isenabled()
    yield
    gc.unfreeze()
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_as_it_was")
def test_nothing_is_collected_while_measuring_and_all_of_it_afterwards() -> None:
    gc.enable()
    with collector.held():
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0  # what existed before: out of the collector's view
        made = _cycle()
        for _ in range(50_000):  # enough allocations to trigger collections, were it on
            _Node()
        assert made() is not None
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert made() is None  # collected on the way out


@pytest.mark.usefixtures("collector_as_it_was")
def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector.held():
        pass
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
