"""The formatting bench (bench/formatting.py) runs end to end and prints a row for each kind
of message: correctness only, never timings."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_formatting_bench_prints_a_row_for_each_kind():
    command = [sys.executable, "bench/formatting.py", "--times", "3"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "µs" not in line]
    names = [row.split("|")[1].strip() for row in rows[2:]]  # past the header and its rule
    assert len(names) == 6
    assert names[1].startswith("short message") and names[3].startswith("code block")
