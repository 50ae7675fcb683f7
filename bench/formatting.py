"""Formatting bench: what rendering a message's body (``chat.messages.formatting``) costs,
per message, for a few kinds of message, beside what showing a body cost before (escaping
it and linking its mentions, ``chat.messages.mentions.linked_body``).

    python bench/formatting.py                  # 2,000 of each kind
    python bench/formatting.py --times 200      # quicker, rougher

Each kind is rendered ``--times`` times, one call timed at a time, after a few calls to warm
up (the parser, the sanitiser and each lexer are made once per process). It prints p50, p90,
p99 and max in microseconds per message. A body is rendered once, when it is stored or
edited (not for each reader), so this is a cost of posting, to set against the whole
posting path (docs/performance.md). No database is used: the people mentioned are made up.
"""

from __future__ import annotations

import os

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import time
from collections.abc import Callable

from bench.stats import percentile

SHORT = "lunch at noon, @bob? the usual place"
FORMATTED = (
    "**Plan for Friday**, as agreed with @bob and @carol:\n\n"
    "- book the *terrace* at https://example.org/booking\n"
    "- bring ~~bread~~ cake :cake:\n"
    "- `ping` the others at 11\n\n"
    "> The menu changes on Fridays, ask for the soup.\n\n"
    "See example.com/menu for the rest. Thanks! :tada:"
)
CODE = (
    "```python\n"
    + "\n".join(
        f"def step_{n}(x: int) -> int:\n    return x * {n} + len('step {n}')  # step {n}"
        for n in range(20)
    )
    + "\n```"
)
WORST = "[" * 4000  # the slowest hostile input of tests/messages/test_formatting.py


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=2000, help="renderings of each kind")
    return parser.parse_args(argv)


def _set_up_django() -> None:
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-formatting")
    import django

    import manage  # noqa: F401 - attaches the site/ package before settings are read

    django.setup()


def timed(call: Callable[[], object], times: int) -> list[float]:
    """Microseconds of each of ``times`` calls of ``call``, sorted, after five to warm up."""
    for _ in range(5):
        call()
    spent = []
    for _ in range(times):
        start = time.perf_counter_ns()
        call()
        spent.append((time.perf_counter_ns() - start) / 1000)
    return sorted(spent)


def kinds() -> dict[str, Callable[[], object]]:
    """Each thing timed, by the name the table gives it."""
    from django.contrib.auth.models import User

    from chat.messages import formatting, mentions

    people = [User(pk=2, username="bob"), User(pk=3, username="carol")]
    return {
        f"before: escaped, mentions linked (short, {len(SHORT)} chars)": lambda: (
            mentions.linked_body(SHORT, people)
        ),
        f"short message ({len(SHORT)} chars)": lambda: formatting.render(SHORT, people),
        f"formatted message ({len(FORMATTED)} chars)": lambda: formatting.render(FORMATTED, people),
        f"code block, 40 lines ({len(CODE)} chars)": lambda: formatting.render(CODE, people),
        f"hostile: {len(WORST):,} times [": lambda: formatting.render(WORST, people),
        "emoji-only test (short, per article)": lambda: formatting.is_emoji_only(SHORT),
    }


def main(argv: list[str] | None = None) -> None:
    arguments = _arguments(argv)
    _set_up_django()
    times = arguments.times
    print(f"formatting a body, µs per message, {times:,} of each")
    print(f"| {'what':<52} | {'p50':>8} | {'p90':>8} | {'p99':>8} | {'max':>8} |")
    print(f"| {'-' * 52} | {'-' * 8}:| {'-' * 8}:| {'-' * 8}:| {'-' * 8}:|")
    for name, call in kinds().items():
        spent = timed(call, times)
        points = [percentile(spent, fraction) for fraction in (0.5, 0.9, 0.99, 1.0)]
        print(f"| {name:<52} | " + " | ".join(f"{point:>8,.1f}" for point in points) + " |")


if __name__ == "__main__":
    main()
