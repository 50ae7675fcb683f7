"""The timeline of a message (bench/timeline.py) end to end on a tiny load: the server notes
every step of every message and the harness every arrival (correctness only, never
timings)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench import timeline
from tests.support import REPO

SOCKETS, MESSAGES = 4, 12


def test_every_message_is_followed_through_the_server(tmp_path: Path) -> None:
    folder = tmp_path / "timeline"
    folder.mkdir()
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO / "bench" / "server_hook"),
        "CHAT_BENCH_TIMELINE": str(folder),
    }
    command = [
        sys.executable, "bench/run.py", "--sockets", str(SOCKETS), "--users", "2",
        "--messages", str(MESSAGES), "--rate", "20", "--drain", "5",
        "--json", str(tmp_path / "bench.json"),
    ]  # fmt: skip
    run = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"

    (ours,) = timeline.runs_in(folder)  # the tutorial's run has no steps of ours
    assert sorted(ours) == list(range(MESSAGES))
    for message in ours.values():
        assert message["sent"] <= message["read"] <= message["received"] <= message["storing"]
        assert message["storing"] <= message["stored"] <= message["fanning"]
        assert message["fanning"] <= message["written first"] <= message["written last"]
        # "written" is noted as a socket's handler returns, after its write: the copy may
        # have arrived by then.
        assert message["fanning"] <= message["arrived first"] <= message["arrived last"]
    lines = [line for path in folder.glob("[0-9]*.tsv") for line in path.read_text().splitlines()]
    moments = Counter(line.split("\t")[0] for line in lines)
    assert moments["written"] == SOCKETS * MESSAGES  # one per socket written

    report = subprocess.run(
        [sys.executable, "bench/timeline.py", str(folder)],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    for label, _, _ in timeline.STEPS + timeline.SPANS:
        assert label in report.stdout
    assert f"{MESSAGES:9,}" in report.stdout
