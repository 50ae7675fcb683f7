"""Races with real threads: callers that all pass a service's check before any of them
writes, so that the database's rule, not timing, has to decide between them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from types import ModuleType

import pytest
from django.db import connection, transaction


def meet_before_writing(monkeypatch: pytest.MonkeyPatch, module: ModuleType, parties: int = 2):
    """Make the first ``transaction.atomic`` block ``module`` opens in each thread wait until
    ``parties`` threads have reached theirs: all have looked before any writes."""
    met = threading.Barrier(parties, timeout=10)
    waited = threading.local()
    real_atomic = transaction.atomic

    @contextmanager
    def atomic_once_all_met(*args, **kwargs):
        if not getattr(waited, "done", False):  # the service's own block, not Django's inner ones
            waited.done = True
            met.wait()
        with real_atomic(*args, **kwargs):
            yield

    monkeypatch.setattr(module.transaction, "atomic", atomic_once_all_met)


def at_once(*jobs: Callable[[], object]) -> list[object]:
    """Run each of ``jobs`` in a thread of its own, each with its own database connection;
    what each returned, or the exception it raised, in the order of ``jobs``."""
    outcomes: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            outcomes[index] = job()
        except Exception as error:  # the caller asserts on it, with its traceback kept
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def raised(outcomes: list[object]) -> list[BaseException]:
    """The exceptions among ``outcomes``."""
    return [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
