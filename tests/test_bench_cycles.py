"""The collector bench (bench/cycles.py) end to end on a few sockets: it reports what an
open socket has the collector track and what a closed one leaves in cycles (counts, never
timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import REPO

SOCKETS = 30


def test_the_cycles_bench_counts_what_sockets_leave_to_the_collector(tmp_path: Path) -> None:
    results_path = tmp_path / "cycles.json"
    command = [
        sys.executable, "bench/cycles.py", "--sockets", str(SOCKETS), "--json", str(results_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    (measured,) = json.loads(results_path.read_text())["runs"]
    assert measured["tracked_per_open_socket"] > 0
    # 51 per socket while autobahn's, Twisted's and the profile's cycles held each one.
    assert measured["unreachable_per_closed_socket"] < 5, measured["unreachable_by_type"]
