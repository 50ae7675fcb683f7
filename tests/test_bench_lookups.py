"""The lookups bench (bench/lookups.py) runs end to end on a fresh database and prints a row
for each of a connect's lookups: correctness only, never timings."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_lookups_bench_prints_a_row_for_each_lookup():
    command = [sys.executable, "bench/lookups.py", "--lookups", "5"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    rows = run.stdout.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["person", "room", "profile"]
    assert all(float(value) > 0 for row in rows for value in row.split()[1:])
