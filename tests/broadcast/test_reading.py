"""Read positions written in batches (``chat.broadcast.reading``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from chat.broadcast import reading
from chat.broadcast.reading import ReadTracker, _write
from chat.models import Membership
from tests.support.joining import join
from tests.support.messages import say


@contextmanager
def statements() -> Iterator[list[tuple[str, list]]]:
    """Every statement run in the block, with its rows of parameters (one row for a plain
    ``execute``, each row of an ``executemany``)."""
    seen: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, list(params) if many else [params]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def test_a_batch_locks_rows_in_one_order_whatever_order_it_was_noted_in(alice, bob, lunch):
    # Two processes flushing overlapping batches in different orders deadlock on
    # PostgreSQL; one order everywhere makes the second wait for the first instead.
    join(bob, "lunch")
    upto = say(lunch, alice, "read me")[-1].id
    noted_last_first = {(bob.pk, lunch.pk): upto, (alice.pk, lunch.pk): upto}

    with statements() as sent:
        _write(noted_last_first)

    # (last_read, user_id, room_id, last_read) per row, in the order the rows are written.
    updated = [row[1] for sql, rows in sent if sql.startswith("UPDATE") for row in rows]
    assert updated == sorted([alice.pk, bob.pk])
    assert set(Membership.objects.filter(room=lunch).values_list("last_read", flat=True)) == {upto}


def test_a_batch_of_rooms_of_many_asks_nothing_for_receipts(alice, bob, lunch):
    # Read receipts are for direct rooms only: a batch without one costs its UPDATEs alone.
    join(bob, "lunch")
    upto = say(lunch, alice, "read me")[-1].id

    with statements() as queries:
        sent = _write({(bob.pk, lunch.pk): upto})

    assert sent == []
    assert [sql.split()[0] for sql, _rows in queries if "SAVEPOINT" not in sql] == ["UPDATE"]


async def test_what_is_noted_while_a_batch_is_written_is_written_next(monkeypatch):
    # A note finds the timer's task still running while it writes (a slow database), and
    # starts no task of its own: the running one must take it, not leave it for whatever
    # is noted next (the other person's "Seen" waited for that).
    written: list[dict] = []
    writing, go_on = threading.Event(), threading.Event()

    def slow_write(batch, direct=frozenset()):
        written.append(dict(batch))
        if len(written) == 1:
            writing.set()
            go_on.wait(10)
        return []

    monkeypatch.setattr(reading, "_write", slow_write)
    tracker = ReadTracker(interval=0)
    tracker.note(1, 10, 5)
    await asyncio.to_thread(writing.wait, 10)

    tracker.note(2, 10, 5)
    go_on.set()
    await asyncio.wait_for(tracker._task, 10)

    assert written == [{(1, 10): 5}, {(2, 10): 5}]
