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
    # Each closed socket left its protocol, Twisted's connection and channel, the upgraded
    # request and autobahn's parts in cycles (51 objects); what is left now is the members
    # lists' renders (users and profiles), whose number depends on presence's timing.
    leftovers = measured["unreachable_by_type"]
    servers = ("twisted.", "autobahn.", "daphne.", "chat.serving.")
    assert [kind for kind in leftovers if kind.startswith(servers)] == [], leftovers
