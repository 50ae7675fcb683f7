"""Where a message's time goes between its send and its copies' arrival, step by step.

    PYTHONPATH=bench/server_hook CHAT_BENCH_TIMELINE=/tmp/timeline \\
        python bench/run.py --runs 3 --sockets 100 --rate 20 --messages 400
    python bench/timeline.py /tmp/timeline

The server writes the moments of each message it handled (``bench/server_hook``: when
daphne read its frame, when the room socket had it, its storing on the database thread, the
process's fan-out, each socket written); the harness writes when each copy's bytes arrived
(``bench/load.py``), one file per run. Both read the same monotonic clock. For ours (the
tutorial has no such steps), each step's p50 and p90 over every message of every run, in
milliseconds.
"""

from __future__ import annotations

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import statistics
from collections import defaultdict
from pathlib import Path

#: The steps, each from one moment to the next (``first`` / ``median`` / ``last`` of the
#: socket writes and arrivals of the message).
STEPS = [
    ("sent → daphne read the frame", "sent", "read"),
    ("→ the room socket had it", "read", "received"),
    ("→ on the database thread", "received", "storing"),
    ("stored and rendered", "storing", "stored"),
    ("→ the fan-out began", "stored", "fanning"),
    ("→ the median socket written", "fanning", "written median"),
    ("→ its copy arrived (the median)", "written median", "arrived median"),
]
SPANS = [
    ("the fan-out, first write to last", "written first", "written last"),
    ("arrivals, first to last", "arrived first", "arrived last"),
    ("sent → the median copy arrived", "sent", "arrived median"),
]


def _moments(folder: Path, pid: str) -> list[tuple[str, int, int]]:
    """The moments serving process ``pid`` wrote, if it wrote any: (moment, seq, ns)."""
    path = folder / f"{pid}.tsv"
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        moment, seq, ns = line.split("\t")
        found.append((moment, int(seq), int(ns)))
    return found


def runs_in(folder: Path) -> list[dict[int, dict[str, int]]]:
    """Per run of ours, each message's moments by name."""
    runs = []
    for path in sorted(folder.glob("arrivals-*.tsv")):
        header, *lines = path.read_text().splitlines()
        # The run's server processes, named on the file's first line.
        ours = [moment for pid in header.lstrip("# ").split() for moment in _moments(folder, pid)]
        if not any(moment == "stored" for moment, _, _ in ours):
            continue  # the tutorial's run: daphne's reads only
        messages: dict[int, dict[str, int]] = defaultdict(dict)
        written: dict[int, list[int]] = defaultdict(list)
        for moment, seq, ns in ours:
            if moment == "written":
                written[seq].append(ns)
            else:
                messages[seq].setdefault(moment, ns)
        arrived: dict[int, list[int]] = defaultdict(list)
        for line in lines:
            seq, _socket, ns = map(int, line.split("\t"))
            arrived[seq].append(ns)
        for seq, times in arrived.items():
            _spread(messages[seq], "arrived", times)
        for seq, times in written.items():
            _spread(messages[seq], "written", times)
        runs.append(messages)
    return runs


def _spread(message: dict[str, int], name: str, times: list[int]) -> None:
    times.sort()
    message[f"{name} first"] = times[0]
    message[f"{name} median"] = times[len(times) // 2]
    message[f"{name} last"] = times[-1]


def table(runs: list[dict[int, dict[str, int]]]) -> list:
    """Rows of (step, p50 ms, p90 ms, messages) over every message of ``runs``."""
    rows = []
    for label, start, end in STEPS + SPANS:
        took = sorted(
            (message[end] - message[start]) / 1e6
            for run in runs
            for message in run.values()
            if start in message and end in message
        )
        if took:
            p90 = took[min(len(took) - 1, int(0.9 * len(took)))]
            rows.append((label, statistics.median(took), p90, len(took)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder CHAT_BENCH_TIMELINE named")
    options = parser.parse_args(argv)
    runs = runs_in(options.folder)
    if not runs:
        parser.error(f"no run of ours in {options.folder}")
    rows = table(runs)
    print(f"{len(runs)} run(s) of ours; milliseconds")
    print(f"{'step':40} {'p50':>7} {'p90':>7} {'messages':>9}")
    for label, p50, p90, count in rows:
        print(f"{label:40} {p50:7.2f} {p90:7.2f} {count:9,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
