"""A new message's frame, rendered once, in process: what it costs warm, its parts, and
where the template engine's time goes.

    python bench/frame_render.py                    # 2,000 renders of each, SQLite
    python bench/frame_render.py --renders 5000 --runs 3

A fresh SQLite file in a temp dir, migrated, with production settings (DEBUG off, the
cached template loader); one person and one public room, and one plain line stored as a
socket's post stores it (``chat.messages.posting``). Then, warm, each the median over
``--runs`` of the mean of ``--renders``:

- **the frame** every socket of the room gets (``frames.new_messages_frame``);
- **its parts**, each rendered alone: the article (``chat/room.html#message``), the
  byline in its header (``chat/parts.html#byline``), the screen reader's announcement
  (``chat/room.html#announcer``); rendering one alone adds the cost of a render's setup,
  shown as **an empty partial** (``chat/room.html#ack`` with nothing to say).

Last, the frame under cProfile, its time shared by where it was spent: Django's template
engine (nodes, variables, filters' calls), escaping, dates, formats and translations, the
lazy-string wrappers, and the chat's own filters and properties. cProfile weighs every
function call, so the shares lean towards the engine's many small calls: read them as
where the time is, not as what a faster engine would save exactly.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import cProfile
import pstats
import statistics
import time
import uuid

from bench import in_process

#: (share, a piece of a function's file name that puts it there), tried in order.
SHARES = [
    ("Django's template engine", ("django/template/", "django/templatetags/", "template_partials")),
    ("escaping", ("django/utils/html.py", "django/utils/safestring.py", "html/__init__.py")),
    (
        "dates, formats, translations, asgiref locals",
        (
            "django/utils/formats.py",
            "django/utils/timezone.py",
            "dateformat",
            "translation",
            "asgiref",
        ),
    ),
    ("lazy-string wrappers", ("django/utils/functional.py",)),
    ("reverse()", ("django/urls/",)),
    ("the chat's filters and properties", ("/chat/",)),
    ("Python's built-ins (called by all of the above)", ("~",)),
]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=2000, help="renders of each, per run")
    parser.add_argument("--runs", type=int, default=1, help="runs; each figure their median")
    return parser.parse_args(argv)


def _a_stored_message():
    from chat.messages import posting

    alice = in_process.a_person()
    room = in_process.a_room([alice])
    data = {"body": "Lunch at noon? The usual place.", "client_id": str(uuid.uuid4())}
    return posting._store(room, alice, data).message


def _renders(message) -> dict:
    from django.template.loader import render_to_string

    from chat.broadcast import frames

    return {
        "the frame": lambda: frames.new_messages_frame([message], live=True),
        "the article": lambda: render_to_string("chat/room.html#message", {"message": message}),
        "the byline": lambda: render_to_string(
            "chat/parts.html#byline", {"person": message.author}
        ),
        "the announcement": lambda: render_to_string(
            "chat/room.html#announcer", {"messages": [message]}
        ),
        "an empty partial": lambda: render_to_string("chat/room.html#ack", {}),
    }


def _mean_us(render, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        render()
    return (time.perf_counter() - started) / count * 1e6


def _shares(render, count: int) -> dict[str, float]:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        render()
    profile.disable()
    spent: dict[str, float] = {}
    for (filename, _line, _name), row in pstats.Stats(profile).stats.items():
        share = next(
            (name for name, marks in SHARES if any(mark in filename for mark in marks)),
            "the rest",
        )
        spent[share] = spent.get(share, 0.0) + row[2]  # its own time, not its callees'
    total = sum(spent.values())
    return {share: seconds / total * 100 for share, seconds in spent.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its two tables."""
    options = _arguments(argv)
    with in_process.fresh_django("chat-frame-render-"):
        renders = _renders(_a_stored_message())
        for render in renders.values():
            _mean_us(render, 50)  # templates loaded and cached, caches warm
        times = {name: [] for name in renders}
        shares: list[dict[str, float]] = []
        for _ in range(options.runs):
            for name, render in renders.items():
                times[name].append(_mean_us(render, options.renders))
            shares.append(_shares(renders["the frame"], options.renders))
    print(f"frame render: {options.renders} renders of each, {options.runs} run(s), warm, µs")
    for name, values in times.items():
        print(f"{name:<18} {statistics.median(values):>8.1f}")
    print()
    print("the frame's time under cProfile, by where it was spent")
    names = [name for name, _ in SHARES] + ["the rest"]
    for name in sorted(names, key=lambda n: -statistics.median(s.get(n, 0.0) for s in shares)):
        print(f"{statistics.median(run.get(name, 0.0) for run in shares):>5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
