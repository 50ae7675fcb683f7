"""Loaded by ``bench/cycles.py`` into the server it starts (this folder on ``PYTHONPATH``).

On SIGUSR1 the serving process makes one full pass of Python's cycle collector, keeping
what it found unreachable (``gc.DEBUG_SAVEALL``) only to count it by type, then appends a
line of JSON to the file ``CHAT_BENCH_CYCLES`` names: the objects the collector tracks,
and those it had to free. Nothing else changes in the server.
"""

import collections
import gc
import json
import os
import signal
import sys


def _type_name(thing) -> str:
    kind = type(thing)
    return f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', kind.__name__)}"


def _report(signum, frame) -> None:
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
    finally:
        gc.set_debug(0)
    unreachable = collections.Counter(_type_name(thing) for thing in gc.garbage)
    gc.garbage.clear()
    gc.collect()  # kept by DEBUG_SAVEALL, still in their cycles: freed now
    line = {
        "tracked": len(gc.get_objects()),
        "unreachable": sum(unreachable.values()),
        "unreachable_by_type": dict(unreachable.most_common()),
    }
    with open(os.environ["CHAT_BENCH_CYCLES"], "a") as out:
        out.write(json.dumps(line) + "\n")


if os.environ.get("CHAT_BENCH_CYCLES") and "serve" in sys.argv:
    signal.signal(signal.SIGUSR1, _report)
