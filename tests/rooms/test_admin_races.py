"""A room archived while a message is on its way, with real concurrency (threads; run on
PostgreSQL too): the post checks the room inside the transaction that stores it, once its
row is locked, so a message is never stored in a room archived before it was."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from chat.errors import Forbidden
from chat.messages import posting
from chat.models import Message
from chat.rooms import admin as room_admin
from tests.support.messages import said

WAIT = 10


@pytest.mark.django_db(transaction=True)
def test_a_room_archived_while_a_message_is_on_its_way_refuses_it(alice, lunch, monkeypatch):
    said(lunch, alice, "before")  # the room is open when the post starts
    rendering, archived = threading.Event(), threading.Event()
    real_original = posting.replies.original

    def slow_original(room, form):
        # The post has read its room and passed its form; it waits here, before its
        # transaction, while the room is archived.
        rendering.set()
        assert archived.wait(WAIT)
        return real_original(room, form)

    monkeypatch.setattr(posting.replies, "original", slow_original)
    outcome: list[object] = []

    def post() -> None:
        try:
            outcome.append(posting.post_message(lunch, alice, {"body": "after"}))
        except Exception as error:  # reported below, with the thread's own traceback
            outcome.append(error)
        finally:
            connection.close()

    def archive() -> None:
        try:
            assert rendering.wait(WAIT)
            room_admin.archive(lunch, alice)
        finally:
            archived.set()
            connection.close()

    threads = [threading.Thread(target=post), threading.Thread(target=archive)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [refusal] = outcome
    assert isinstance(refusal, Forbidden) and refusal.message == room_admin.ARCHIVED
    assert list(Message.objects.values_list("body", flat=True)) == ["before"]
