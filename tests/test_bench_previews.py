"""The link preview bench (bench/previews.py) end to end with a few previews: it makes real
previews against its own server and prints its table. Timings are never asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_preview_bench_runs_end_to_end():
    command = [sys.executable, "bench/previews.py", "--previews", "3", "--page-kib", "20"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    assert "link preview bench: 3 previews of a 19 KiB page" in run.stdout
    assert "a whole preview, CPU of its thread" in run.stdout
