"""Each server process's full collections, from the log ``bench/server_hook`` writes.

    PYTHONPATH=bench/server_hook CHAT_BENCH_PASSES=/tmp/passes \\
        python bench/run.py --workers 2 --sockets 10000 ...
    python bench/passes.py /tmp/passes [--over 50]

Every serving process the bench started (ours and the tutorial's, which run on the same
``manage.py serve``) wrote one line per full pass to ``<pid>.jsonl``. For each, in the
order they started: how many passes, their time in all, the longest, and each pass over
``--over`` milliseconds as seconds after the process's first pass, its milliseconds and the
objects it freed. Each pass stops the process for as long as it takes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def summary(log: Path, over_ms: float) -> dict:
    """One process's passes, summed up."""
    passes = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    first = passes[0]["at"] if passes else 0.0
    return {
        "process": log.stem,
        "started": first,
        "passes": len(passes),
        "total_ms": sum(one["ms"] for one in passes),
        "longest_ms": max((one["ms"] for one in passes), default=0.0),
        "long": [
            (one["at"] - first, one["ms"], one["collected"])
            for one in passes
            if one["ms"] > over_ms
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="what CHAT_BENCH_PASSES named")
    parser.add_argument("--over", type=float, default=50.0, help="list passes longer than this")
    args = parser.parse_args(argv)
    logs = [summary(log, args.over) for log in sorted(args.folder.glob("*.jsonl"))]
    for one in sorted(logs, key=lambda one: one["started"]):
        long = ", ".join(f"{at:.1f}s {ms:.0f}ms/{freed}" for at, ms, freed in one["long"])
        print(
            f"process {one['process']}: {one['passes']} full passes,"
            f" {one['total_ms']:.0f} ms in all, longest {one['longest_ms']:.0f} ms;"
            f" over {args.over:g} ms: {long or 'none'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
