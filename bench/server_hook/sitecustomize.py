"""Loaded into the server a bench starts (this folder on its ``PYTHONPATH``); each part is
on only when its variable is set, and nothing else changes in the server.

``CHAT_BENCH_CYCLES`` (``bench/cycles.py``): on SIGUSR1 the serving process makes one full
pass of Python's cycle collector, keeping what it found unreachable (``gc.DEBUG_SAVEALL``)
only to count it by type, then appends a line of JSON to the file the variable names: the
objects the collector tracks, and those it had to free.

``CHAT_BENCH_PASSES`` (a folder): every serving process appends each full pass it makes to
``<pid>.jsonl`` there: when, how long, and what it freed. ``bench/passes.py`` reads the
folder.

``CHAT_BENCH_TIMELINE`` (a folder; ``bench/timeline.py``): every serving process notes the
moments each bench message (``bench N <sent_ns>``) passes on its way through the server, as
lines of ``moment, seq, monotonic ns`` in ``<pid>.tsv``: ``sent`` (the harness's time, read
from the message), ``read`` (daphne has the frame), ``received`` (the room socket has it),
``storing`` and ``stored`` (``posting._store``, on the database thread), ``fanning`` and
``fanned`` (the process's fan-out of the message), and ``written`` once per socket it was
written to (as the socket's handler returns, just after the write). The harness adds when
each copy arrived (``bench/load.py``). Each moment costs a regular expression and a clock
read.
"""

import atexit
import collections
import functools
import gc
import importlib.abc
import importlib.util
import json
import os
import re
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


class _Timeline:
    """The moments of each bench message in this process, written out as it exits."""

    SEQ = re.compile(r"bench (\d+) (\d+)")

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, f"{os.getpid()}.tsv")
        self.moments: list[tuple[str, str, int]] = []
        atexit.register(self.write)

    def note(self, moment: str, text) -> re.Match | None:
        """Note ``moment`` for the bench message named in ``text`` (str or bytes), if any."""
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        found = self.SEQ.search(text) if isinstance(text, str) else None
        if found:
            self.moments.append((moment, found[1], time.monotonic_ns()))
        return found

    def write(self) -> None:
        with open(self.path, "a") as out:
            out.writelines(f"{moment}\t{seq}\t{ns}\n" for moment, seq, ns in self.moments)
        self.moments.clear()

    # --- what is patched, as each module is imported -----------------------------------

    def daphne_ws_protocol(self, module) -> None:
        on_message = module.WebSocketProtocol.onMessage

        def noted(protocol, payload, is_binary):
            found = self.note("read", payload)
            if found:  # and when the harness sent it, from the message itself
                self.moments.append(("sent", found[1], int(found[2])))
            return on_message(protocol, payload, is_binary)

        module.WebSocketProtocol.onMessage = noted

    def chat_sockets_consumers(self, module) -> None:
        consumer = module.RoomConsumer
        receive, chat_message = consumer.receive, consumer.chat_message

        async def received(socket, text_data=None, bytes_data=None):
            self.note("received", text_data)
            return await receive(socket, text_data, bytes_data)

        async def written(socket, event):
            await chat_message(socket, event)
            self.note("written", event["html"])

        consumer.receive, consumer.chat_message = received, written

    def chat_messages_posting(self, module) -> None:
        store = module._store

        @functools.wraps(store)
        def stored(room, author, data):
            self.note("storing", data.get("body"))
            posted = store(room, author, data)
            self.note("stored", data.get("body"))
            return posted

        module._store = stored
        # Socket posts call it through a wrapper made once, at import.
        module._astore = type(module._astore)(stored)

    def chat_broadcast_fanout(self, module) -> None:
        dispatch = module.Fanout.dispatch

        async def fanned(fanout, event):
            html = event.get("html") if event.get("type") == "chat.message" else None
            self.note("fanning", html)
            await dispatch(fanout, event)
            self.note("fanned", html)

        module.Fanout.dispatch = fanned


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``patches[name](module)`` once module ``name`` has been imported (and not
    before: importing daphne early would install Twisted's reactor too soon)."""

    def __init__(self, patches: dict) -> None:
        self.patches = patches
        self.finding = False

    def find_spec(self, name, path, target=None):
        if name not in self.patches or self.finding:
            return None
        self.finding = True
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self.finding = False
        patch, execute = self.patches.pop(name), spec.loader.exec_module

        def exec_module(module):
            execute(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


if "serve" in sys.argv:
    if os.environ.get("CHAT_BENCH_CYCLES"):
        signal.signal(signal.SIGUSR1, _report)
    if os.environ.get("CHAT_BENCH_PASSES"):
        gc.callbacks.append(_PassLog(os.environ["CHAT_BENCH_PASSES"]))
    if os.environ.get("CHAT_BENCH_TIMELINE"):
        timeline = _Timeline(os.environ["CHAT_BENCH_TIMELINE"])
        sys.meta_path.insert(
            0,
            _AfterImport(
                {
                    name: getattr(timeline, name.replace(".", "_"))
                    for name in (
                        "daphne.ws_protocol",
                        "chat.sockets.consumers",
                        "chat.messages.posting",
                        "chat.broadcast.fanout",
                    )
                }
            ),
        )
