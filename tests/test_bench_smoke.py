"""The bench harness (bench/run.py) end to end with a tiny load: correctness only.

Every message must reach every socket exactly once, on our consumer and on the
Channels-tutorial baseline. Timings are measured by the harness but never asserted:
they depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOCKETS, MESSAGES = 5, 20


def test_tiny_load_reaches_every_socket_once_on_both_sides(tmp_path: Path) -> None:
    results_path = tmp_path / "bench.json"
    command = [
        sys.executable,
        "bench/run.py",
        "--sockets", str(SOCKETS),
        "--users", "2",
        "--messages", str(MESSAGES),
        "--rate", "20",
        "--drain", "5",
        "--json", str(results_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"

    results = json.loads(results_path.read_text())
    for side in ("ours", "baseline"):
        deliveries = results[side]["deliveries"]
        assert deliveries == {
            "expected": SOCKETS * MESSAGES,
            "received": SOCKETS * MESSAGES,
            "lost": 0,
            "duplicated": 0,
            "stray": 0,
            "stored_twice": 0,
        }, side
        assert results[side]["notices"] == {}, side  # no rate limit, nothing unstored
        assert results[side]["unexpected_closes"] == {}, side
