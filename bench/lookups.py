"""A connect's three lookups, in process: through the ORM, and compiled once
(``chat.compiled``), as a socket's connect and every page request make them.

    python bench/lookups.py                      # 2,000 of each, SQLite
    python bench/lookups.py --lookups 5000 --runs 3

A fresh SQLite file in a temp dir, migrated, with production settings (DEBUG off); one
person and one public room. Each lookup is made the two ways, taking turns, warm:

- **the person** by the id a session holds: Django's ``ModelBackend.get_user`` against
  ``chat.people.backend.Accounts.get_user``;
- **the room** by its slug: the ORM's ``filter(slug=...).first()`` against
  ``Room.objects.readable`` (a public room: one lookup);
- **the profile** by its person: the ORM's ``filter(user_id=...).first()`` against
  ``chat.people.profiles.reload``.

Prints the p50 and p90 of each in microseconds, each the median over ``--runs``, and the
compiled one's share of the ORM's. What a whole connect costs is ``bench/run.py --storm``'s.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import statistics
import time
from collections.abc import Callable

from bench.in_process import a_person, a_room, fresh_django
from bench.stats import percentile


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=2000, help="lookups of each kind")
    parser.add_argument("--runs", type=int, default=1, help="runs; each figure their median")
    return parser.parse_args(argv)


def _pairs() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """Each lookup, through the ORM and compiled, ready to call."""
    from django.contrib.auth.backends import ModelBackend

    from chat.models import Profile, Room
    from chat.people import profiles
    from chat.people.backend import Accounts

    person = a_person()
    room = a_room()
    django_backend, ours = ModelBackend(), Accounts()
    return {
        "person": (
            lambda: django_backend.get_user(person.pk),
            lambda: ours.get_user(person.pk),
        ),
        "room": (
            lambda: Room.objects.filter(slug=room.slug).order_by().first(),
            lambda: Room.objects.readable(person, room.slug),
        ),
        "profile": (
            lambda: Profile.objects.filter(user_id=person.pk).order_by().first(),
            lambda: profiles.reload(person),
        ),
    }


def _one_run(count: int) -> dict[tuple[str, str], list[float]]:
    timings: dict[tuple[str, str], list[float]] = {}
    for name, (orm, compiled) in _pairs().items():
        for _ in range(20):  # warm: the compiled lookup compiles on its first call
            orm(), compiled()
        timings[name, "orm"], timings[name, "compiled"] = [], []
        for _ in range(count):
            for way, lookup in (("orm", orm), ("compiled", compiled)):
                started = time.perf_counter()
                lookup()
                timings[name, way].append((time.perf_counter() - started) * 1e6)
    return timings


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table."""
    options = _arguments(argv)
    with fresh_django("chat-lookups-"):
        runs = [_one_run(options.lookups) for _ in range(options.runs)]
    print(f"lookups: {options.lookups} of each, {options.runs} run(s), µs")
    print(f"{'lookup':<10} {'ORM p50':>8} {'p90':>8} {'compiled p50':>13} {'p90':>8} {'share':>6}")
    for name in ("person", "room", "profile"):
        row = {
            (way, share): statistics.median(
                percentile(sorted(run[name, way]), share) for run in runs
            )
            for way in ("orm", "compiled")
            for share in (0.5, 0.9)
        }
        share = row["compiled", 0.5] / row["orm", 0.5]
        print(
            f"{name:<10} {row['orm', 0.5]:>8.0f} {row['orm', 0.9]:>8.0f}"
            f" {row['compiled', 0.5]:>13.0f} {row['compiled', 0.9]:>8.0f} {share:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
