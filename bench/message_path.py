"""The message path's own cost, in process: validating, storing and rendering a message
once (``chat.messages.posting``), without the sockets, for four kinds of body.

    python bench/message_path.py                    # 400 messages of each kind, SQLite
    python bench/message_path.py --messages 1000 --runs 3
    python bench/message_path.py --gap 0.05         # a post every 50 ms, as at 20 messages/s
    python bench/message_path.py --gap 0.005 --between spin   # the core busy in between

A fresh SQLite file in a temp dir, migrated, with production settings (DEBUG off) and an
in-process cache; two people in one public room. Each message goes through
``posting.store`` as a socket's post does on its database thread: the form, the posting
limit, the insert with the room's next revision, the mentions, the search index (its
triggers), the formatting and the render of the article once. What happens after (the
channel layer, the deliveries, a link preview's fetch) is not counted: ``bench/run.py``
measures deliveries, and a preview's fetch runs later on a pool of its own.

The kinds take turns, so a slow patch of the machine spreads over all of them. Prints the
p50, p90 and p99 per kind in microseconds, each the median over ``--runs``. Back to back,
every post finds the CPU's caches warm from the last; with ``--gap`` the bench waits that
long after each post, as a server does between messages at a bench's rate. ``--between``
says how it waits: asleep (the default), spinning on the clock (the core busy, touching
almost no memory) or building lists (the core busy with other data).
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import statistics
import time
import uuid

from bench import in_process

CODE = """```python
def fanout(room, html):
    \"\"\"Send one frame to every socket of the room.\"\"\"
    for socket in room.sockets:
        socket.send(html)
    return len(room.sockets)
```"""

#: What people write, by kind: a line, a mention, some Markdown with a link, a code block.
BODIES = {
    "plain": "Lunch at noon? The usual place, I booked a table for six.",
    "mention": "@bob can you look at the deploy before lunch? Thanks!",
    "formatted": "**Heads up:** the `deploy` moved to *Thursday*, see https://example.com/plan",
    "code block": CODE,
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400, help="messages of each kind")
    parser.add_argument("--runs", type=int, default=1, help="runs; each figure their median")
    parser.add_argument("--gap", type=float, default=0.0, help="seconds to wait after each post")
    parser.add_argument(
        "--between", choices=sorted(WAITS), default="sleep", help="how to spend the gap"
    )
    return parser.parse_args(argv)


def _store():
    """What a socket's post runs on its database thread: validate, store, render once (the
    sending that follows is ``apost_message``'s, and not measured here)."""
    from chat.messages import posting

    return posting._store


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _build_lists(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        _ = [list(range(1000)) for _ in range(20)]


#: How the bench spends ``--gap`` after each post.
WAITS = {"sleep": time.sleep, "spin": _spin, "lists": _build_lists}


def _one_run(count: int, gap: float = 0.0, between: str = "sleep") -> dict[str, list[float]]:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    alice = in_process.a_person()
    bob, _ = get_user_model().objects.get_or_create(username="bob")  # "@bob" is mentioned
    room = in_process.a_room([alice, bob])
    store = _store()
    timings: dict[str, list[float]] = {kind: [] for kind in BODIES}
    for warm in range(20):
        store(room, alice, {"body": f"warm {warm}", "client_id": str(uuid.uuid4())})
    for index in range(count * len(BODIES)):
        kind = list(BODIES)[index % len(BODIES)]
        if index % 15 == 0:
            cache.clear()  # the posting limit (20 in 10 s) is not what is measured
        data = {"body": BODIES[kind], "client_id": str(uuid.uuid4())}
        started = time.perf_counter()
        store(room, alice, data)
        timings[kind].append((time.perf_counter() - started) * 1e6)
        if gap:
            WAITS[between](gap)
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table."""
    options = _arguments(argv)
    with in_process.fresh_django("chat-message-path-"):
        runs = [
            _one_run(options.messages, options.gap, options.between) for _ in range(options.runs)
        ]
    spent = "" if options.between == "sleep" else f" ({options.between})"
    gap = f", {options.gap * 1000:g} ms after each post{spent}" if options.gap else ""
    print(f"message path: {options.messages} messages of each kind, {options.runs} run(s){gap}, µs")
    print(f"{'kind':<12} {'p50':>8} {'p90':>8} {'p99':>8}")
    for kind in BODIES:
        row = [
            statistics.median(_percentile(run[kind], share) for run in runs)
            for share in (0.5, 0.9, 0.99)
        ]
        print(f"{kind:<12} " + " ".join(f"{value:>8.0f}" for value in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
