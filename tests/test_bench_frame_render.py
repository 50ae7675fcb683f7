"""The frame render bench (bench/frame_render.py) runs end to end on a fresh database and
prints a time for the frame and each of its parts, and shares that add up to the whole:
correctness only, never timings."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_frame_render_bench_prints_the_frame_its_parts_and_the_shares():
    command = [sys.executable, "bench/frame_render.py", "--renders", "3"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    times, shares = run.stdout.split("\n\n")
    rows = times.splitlines()[1:]
    assert [row.rsplit(None, 1)[0] for row in rows] == [
        "the frame",
        "the article",
        "the byline",
        "the announcement",
        "an empty partial",
    ]
    assert all(float(row.split()[-1]) > 0 for row in rows)
    percents = [float(row.split()[0]) for row in shares.splitlines()[1:]]
    assert "Django's template engine" in shares
    assert 99 < sum(percents) < 101
