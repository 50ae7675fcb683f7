"""What a socket costs Python's cycle collector: objects it tracks per open socket, and
objects it must find and free once the sockets close.

    python bench/cycles.py --sockets 1000 --runs 3

A full pass of the collector walks every object it tracks, so a worker holding thousands of
sockets stops for as long as their objects take to walk (``docs/performance.md``, "The
workers' full collections"). And what a closed socket leaves in reference cycles is freed
only by such a pass, not as the socket closes.

Ours only (one worker, SQLite, the in-memory layer; the tutorial is not the question here).
The server runs with ``bench/server_hook`` on its ``PYTHONPATH``: on SIGUSR1 it makes a full
pass and writes what it tracks and what it found unreachable. For each run: open and close
a few sockets (so what is made once is made), report; open ``--sockets``, report; close
them, report. Prints, per run, the tracked objects per open socket and the unreachable
objects per closed one, with the commonest kinds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import asyncio
import json
import signal
import statistics
import time

from bench import sockets
from bench.run import set_up_ours
from bench.stack import ServerProcess, Stack, StackConfig

HOOK = Path(__file__).resolve().parent / "server_hook"
USERS = 5
WARM_UP = 20
#: How long the server has to finish closing the sockets before it reports.
SETTLE_SECONDS = 2.0


def report(server: ServerProcess, out: Path) -> dict:
    """Ask the server for a report (SIGUSR1) and wait for its line."""
    lines = out.read_text().count("\n") if out.exists() else 0
    server.process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.exists() and out.read_text().count("\n") > lines:
            return json.loads(out.read_text().splitlines()[-1])
        time.sleep(0.1)  # the server writes a file; there is no event to await
    raise RuntimeError(f"the server wrote no report:\n{server.log_tail()}")


async def one_run(server: ServerProcess, side, count: int, out: Path) -> dict:
    """Tracked objects per open socket, unreachable objects per closed one."""
    await sockets.close_all(await sockets.open_many(side, range(WARM_UP)))
    await asyncio.sleep(SETTLE_SECONDS)
    before = report(server, out)
    opened = await sockets.open_many(side, range(count))
    with_open = report(server, out)
    await sockets.close_all(opened)
    await asyncio.sleep(SETTLE_SECONDS)
    closed = report(server, out)
    return {
        "tracked_per_open_socket": (with_open["tracked"] - before["tracked"]) / count,
        "unreachable_per_closed_socket": closed["unreachable"] / count,
        "unreachable_by_type": closed["unreachable_by_type"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the runs here as well")
    args = parser.parse_args(argv)
    with Stack(StackConfig(workers=1)) as stack:
        out = stack.workdir / "cycles.jsonl"
        path = os.pathsep.join(filter(None, [str(HOOK), os.environ.get("PYTHONPATH")]))
        stack.env.update(
            {
                "PYTHONPATH": path,
                "CHAT_BENCH_CYCLES": str(out),
                "CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR": str(USERS + 1),
                "CHAT_SOCKETS_PER_PERSON": str(args.sockets),
            }
        )
        runs = []
        server = stack.server("ours")
        with server:
            side = set_up_ours(server.url, USERS, 1, args.sockets)
            for number in range(args.runs):
                runs.append(asyncio.run(one_run(server, side, args.sockets, out)))
                print(
                    f"run {number + 1}: {runs[-1]['tracked_per_open_socket']:.1f} objects "
                    f"tracked per open socket, {runs[-1]['unreachable_per_closed_socket']:.1f} "
                    "left in cycles per closed socket"
                )
    print(
        f"median of {args.runs}: "
        f"{statistics.median(r['tracked_per_open_socket'] for r in runs):.1f} tracked per open "
        f"socket, {statistics.median(r['unreachable_per_closed_socket'] for r in runs):.1f} "
        f"left in cycles per closed socket ({args.sockets} sockets)"
    )
    print("left in cycles by the last run's sockets, by kind:")
    for kind, number in runs[-1]["unreachable_by_type"].items():
        print(f"  {number:7d}  {kind}")
    if args.json:
        args.json.write_text(json.dumps({"sockets": args.sockets, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
