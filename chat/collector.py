"""How a serving process's garbage collector runs: seldom, and never over what start-up made.

CPython's cyclic collector makes a young collection every 700 net allocations of tracked
objects and, every hundredth of those, walks every tracked object in the process, with
no socket served meanwhile. A process serving sockets allocates fast (every event, every
frame) and holds a few hundred thousand objects besides Django's own. Called once a
serving process has started, :func:`tune`:

- freezes what start-up made (Django, its apps and models: never garbage), which
  ``gc.freeze`` moves out of every later collection's walk;
- raises the thresholds, so young collections come every ``THRESHOLDS[0]`` net
  allocations and full ones after ``THRESHOLDS[1] * THRESHOLDS[2]`` young ones (CPython
  also skips a full one until a quarter of the old objects are new since the last).

Measured in bench/ (the tutorial's consumer runs under the same ``serve``, so it shows
the effect alone): its CPU per delivery at 100 sockets fell from 255 to 196 µs (medians
of three interleaved runs). Garbage without cycles is freed at once by reference
counting, as ever; only cycles wait longer. Nothing may rely on the collector to release
what it holds: HTTP requests' database connections did, and are closed as each request
ends (``chat.apps``).
"""

from __future__ import annotations

import gc

#: Young-generation allocations, young collections per middle one, middle per full one.
THRESHOLDS = (50_000, 20, 10)


def tune() -> None:
    """Freeze start-up's objects out of the collector's walks and make collections rarer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
