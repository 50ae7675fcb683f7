"""The collector bench (bench/cycles.py) end to end on a few sockets: it reports what an
open socket has the collector track and what a closed one leaves in cycles (counts, never
timings)."""

from __future__ import annotations

import json
import os
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


def test_the_pass_log_has_each_full_pass_of_a_server(tmp_path: Path) -> None:
    """``CHAT_BENCH_PASSES``: a serving process logs each full pass it makes, and
    ``bench/passes.py`` sums them up."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO / "bench" / "server_hook"),
        "CHAT_BENCH_PASSES": str(tmp_path),
    }
    serving = "import gc; gc.collect(0); gc.collect(1); gc.collect(); gc.collect(2)"
    # "serve" among its arguments, as ``manage.py serve`` has: the hook is for servers only.
    subprocess.run(
        [sys.executable, "-c", serving, "serve"], cwd=REPO, env=environment, check=True, timeout=60
    )
    elsewhere = tmp_path / "not serving"
    elsewhere.mkdir()
    not_serving = {**environment, "CHAT_BENCH_PASSES": str(elsewhere)}
    subprocess.run([sys.executable, "-c", serving], env=not_serving, check=True, timeout=60)

    (log,) = tmp_path.glob("*.jsonl")
    passes = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(passes) >= 2  # the two full passes asked for, and any Python made itself
    assert all(one["ms"] >= 0 and one["collected"] >= 0 for one in passes)
    assert list(elsewhere.iterdir()) == []

    summed = subprocess.run(
        [sys.executable, "bench/passes.py", str(tmp_path), "--over", "0"],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert f"process {log.stem}: {len(passes)} full passes" in summed.stdout
