"""The search bench (bench/search.py) on a tiny world: correctness only, never timings.

Every search of the bench's mix must answer exactly what a plain scan of the messages says
(readable rooms, every word, the last one as a prefix, newest first), with its words marked,
on whichever database the suite runs on; and the command runs end to end on SQLite.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import search_world
from tests.support import REPO


@pytest.mark.django_db
def test_every_search_of_the_bench_answers_what_a_plain_scan_finds():
    search_world.drop_index()
    world = search_world.fill(2000, keep=True)
    search_world.build_index()

    planned = search_world.searches(world.vocabulary, 45)

    assert search_world.check(world, planned) == []


@pytest.mark.django_db
def test_the_bench_measures_an_index_of_some_size():
    search_world.drop_index()
    search_world.fill(200)
    search_world.build_index()

    assert search_world.sizes()["index"] > 0


def test_the_bench_command_runs_end_to_end_on_sqlite():
    command = [
        sys.executable, "bench/search.py",
        "--messages", "2000", "--searches", "45", "--check",
    ]  # fmt: skip
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    assert "checked 45 searches against a plain scan: 0 wrong" in run.stdout
