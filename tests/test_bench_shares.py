"""bench/shares.py: py-spy's raw samples grouped by step, waiting threads left out."""

from __future__ import annotations

from bench.shares import shares

RAW = [
    # A waiting thread: no CPU, not counted.
    "Thread.run (threading.py:975);_worker (concurrent/futures/thread.py:81) 40\n",
    # The database thread rendering the article (inside _store: the first step wins).
    "_store (chat/messages/posting.py:224);rendered (chat/messages/posting.py:257);"
    "new_messages_frame (chat/broadcast/frames.py:21) 30\n",
    "_store (chat/messages/posting.py:224);insert (chat/messages/posting.py:157) 20\n",
    "Handle._run (asyncio/events.py:80);RoomConsumer.chat_message "
    "(chat/sockets/consumers.py:155) 10\n",
    "BaseEventLoop._run_once (asyncio/base_events.py:1900) 5\n",
    "not a sample line\n",
]


def test_active_samples_fall_in_their_first_step() -> None:
    active, counts = shares(RAW)
    assert active == 65
    assert counts == {
        "render the article once (template)": 30,
        "store: insert, revision, commit, form, limits": 20,
        "each recipient socket's handler": 10,
        "elsewhere (the event loop, daphne, asyncio)": 5,
    }
