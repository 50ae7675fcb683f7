"""Loaded into the server a bench starts (this folder on its ``PYTHONPATH``); each part is
on only when its variable is set, and nothing else changes in the server.

``CHAT_BENCH_CYCLES`` (``bench/cycles.py``): on SIGUSR1 the serving process makes one full
pass of Python's cycle collector, keeping what it found unreachable (``gc.DEBUG_SAVEALL``)
only to count it by type, then appends a line of JSON to the file the variable names: the
objects the collector tracks, and those it had to free.

``CHAT_BENCH_PASSES`` (a folder): every serving process appends each full pass it makes to
``<pid>.jsonl`` there: when, how long, and what it freed. ``bench/passes.py`` reads the
folder.
"""

import collections
import gc
import json
import os
import signal
import sys
import time


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


class _PassLog:
    """A ``gc.callbacks`` hook that times each full pass."""

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, f"{os.getpid()}.jsonl")
        self.started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self.started = time.perf_counter()
            return
        took = time.perf_counter() - self.started
        line = {"at": time.time(), "ms": round(took * 1000, 3), "collected": info["collected"]}
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\n")


if "serve" in sys.argv:
    if os.environ.get("CHAT_BENCH_CYCLES"):
        signal.signal(signal.SIGUSR1, _report)
    if os.environ.get("CHAT_BENCH_PASSES"):
        gc.callbacks.append(_PassLog(os.environ["CHAT_BENCH_PASSES"]))
