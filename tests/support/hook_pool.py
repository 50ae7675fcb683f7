"""The fetching pool (bots' hooks, link previews) as the tests watch it: which calls a test
handed to it are still out, and waiting until none is. ``chat.fetching`` keeps no list of its
calls (nothing there needs one), so a test that watches them wraps ``fetching.submit`` with
``track``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, wait

import pytest

from chat import fetching

_handed: list[Future] = []
_lock = threading.Lock()


def track(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now until the test ends, remember every call handed to the fetching pool."""
    submit = fetching.submit
    with _lock:
        _handed.clear()

    def tracked(task: Callable[..., object], *args: object) -> Future | None:
        future = submit(task, *args)
        if future is not None:
            with _lock:
                _handed.append(future)
        return future

    monkeypatch.setattr(fetching, "submit", tracked)


def in_flight() -> list[Future]:
    """The hook calls handed to the pool that are waiting or running now."""
    with _lock:
        return [future for future in _handed if not future.done()]


def wait_idle(timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for every hook call in flight; True when none is left."""
    _done, pending = wait(in_flight(), timeout)
    return not pending
