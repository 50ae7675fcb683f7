"""Read positions written in batches (``chat.broadcast.reading``)."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.broadcast.reading import _write
from chat.models import Membership
from tests.support.joining import join
from tests.support.messages import say


def test_a_batch_locks_rows_in_one_order_whatever_order_it_was_noted_in(alice, bob, lunch):
    # Two processes flushing overlapping batches in different orders deadlock on
    # PostgreSQL; one order everywhere makes the second wait for the first instead.
    join(bob, "lunch")
    upto = say(lunch, alice, "read me")[-1].id
    noted_last_first = {(bob.pk, lunch.pk): upto, (alice.pk, lunch.pk): upto}

    with CaptureQueriesContext(connection) as queries:
        _write(noted_last_first)

    updated = [
        int(re.search(r'"user_id" = (\d+)', q["sql"])[1])
        for q in queries
        if q["sql"].startswith("UPDATE")
    ]
    assert updated == sorted([alice.pk, bob.pk])
    assert set(Membership.objects.filter(room=lunch).values_list("last_read", flat=True)) == {upto}


def test_a_batch_of_rooms_of_many_asks_nothing_for_receipts(alice, bob, lunch):
    # Read receipts are for direct rooms only: a batch without one costs its UPDATEs alone.
    join(bob, "lunch")
    upto = say(lunch, alice, "read me")[-1].id

    with CaptureQueriesContext(connection) as queries:
        sent = _write({(bob.pk, lunch.pk): upto})

    assert sent == []
    assert [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]] == ["UPDATE"]
