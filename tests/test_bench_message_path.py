"""The message path bench (bench/message_path.py) runs end to end on a fresh database and
prints a row for each kind of message: correctness only, never timings."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_message_path_bench_prints_a_row_for_each_kind():
    command = [sys.executable, "bench/message_path.py", "--messages", "3"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    rows = run.stdout.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["plain", "mention", "formatted", "code"]
    assert all(float(value) > 0 for row in rows for value in row.split()[-3:])


def test_the_bench_waits_after_each_post_as_asked():
    command = [sys.executable, "bench/message_path.py", "--messages", "2", "--gap", "0.001"]
    run = subprocess.run(
        [*command, "--between", "spin"], cwd=REPO, capture_output=True, text=True, timeout=180
    )

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    assert ", 1 ms after each post (spin), µs" in run.stdout.splitlines()[0]
