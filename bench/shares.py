"""Where a server's CPU went: py-spy's raw samples grouped by the step they were in.

    py-spy record --gil --nonblocking --pid <server pid> --duration 15 --format raw -o server.txt
    python bench/shares.py server.txt

(``--nonblocking``: stopping the server for every sample skews the shares towards the
event loop; docs/performance.md, "Where a message's CPU goes on the server".)

Samples of threads that were waiting (on epoll, on a thread pool's queue, on a child
process) are left out: they cost no CPU. Each remaining sample is counted once, in the
first step of ``STEPS`` its stack passes through, so the shares add up to 100 %. The
steps follow a message through one server process: the socket's frame read and parsed,
the consumer's post, the database thread's work (storing, rendering once), the hand-offs
between the event loop and that thread, the channel layer and the fan-out, and the frames
written to each recipient's socket. docs/performance.md has a profile taken this way.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

#: Leaves of a waiting thread's stack: no CPU spent there.
WAITING = ("EpollSelector.select", "_worker", "Popen._try_wait", "Condition.wait", "Event.wait")
#: (step, a frame that marks it), tried in order: a sample counts in the first that matches.
STEPS = [
    ("render the article once (template)", "new_messages_frame ("),
    ("who hears of it while away (notifications)", "recipients ("),
    ("the notification's frame", "notifications.py:frame"),
    ("who is named (mentions)", "members_named ("),
    ("Markdown to HTML", "formatting.py:render"),
    ("store: insert, revision, commit, form, limits", "_store ("),
    ("read positions written (batched)", "ReadTracker.flush ("),
    ("the post's answer (acknowledgement)", "ack_frame ("),
    ("receivers of message_posted (bots, previews, push)", "Signal.send ("),
    ("hand the message to the room (channel layer)", "amessage_posted ("),
    ("the rest of the consumer's post", "RoomConsumer.receive ("),
    ("each recipient socket's handler", "RoomConsumer.chat_message ("),
    ("the channel layer's dispatch in this process", "Fanout."),
    ("frames written to sockets (daphne)", "handle_reply ("),
    ("frames read from sockets (daphne, autobahn)", "dataReceived ("),
    ("thread hand-offs: waking the event loop", "_write_to_self ("),
    ("thread hand-offs: the event loop woken", "_read_from_self ("),
    ("thread hand-offs: futures passed back", "_chain_future"),
    ("thread hand-offs: sync_to_async", "SyncToAsync.__call__ ("),
]
_FRAME = re.compile(r"^(?P<name>.+?) \((?P<file>[^:]*):?\d*\)$")


def _label(frame: str) -> str:
    """``name (path/file.py:line)`` as ``name (file.py:name)``-like text the steps match."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    file = match["file"].rsplit("/", 1)[-1]
    return f"{match['name']} ({file}) {file}:{match['name']}"


def shares(lines) -> tuple[int, Counter]:
    """The active samples' count, and how many fell in each step (or "elsewhere")."""
    counts: Counter = Counter()
    active = 0
    for line in lines:
        stack, _, number = line.rstrip("\n").rpartition(" ")
        if not stack or not number.isdigit():
            continue
        frames = stack.split(";")
        if frames[-1].split(" (")[0] in WAITING:
            continue
        samples = int(number)
        active += samples
        labelled = ";".join(_label(frame) for frame in frames)
        for step, marker in STEPS:
            if marker in labelled:
                counts[step] += samples
                break
        else:
            counts["elsewhere (the event loop, daphne, asyncio)"] += samples
    return active, counts


def main(argv: list[str] | None = None) -> int:
    """Print the table of shares of one raw py-spy profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", help="py-spy record --format raw output")
    options = parser.parse_args(argv)
    with open(options.profile) as profile:
        active, counts = shares(profile)
    print(f"{active} samples with CPU")
    for step, samples in counts.most_common():
        print(f"{100 * samples / max(active, 1):5.1f} %  {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
