"""The bench harness (bench/run.py) end to end with a tiny load: correctness only.

Every message must reach every socket of its room exactly once, and no other socket, on
our consumer and on the Channels-tutorial baseline. Timings are measured by the harness
but never asserted: they depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.load import Plan, Tally
from bench.proxy import nginx_binary
from bench.run import most_sockets_of_one, parse_args
from bench.wire import Delivery, person_of
from tests.support import REPO
from tests.support.required import require

SOCKETS, MESSAGES = 5, 20


def run_bench(tmp_path: Path, *options: str) -> dict:
    """Run bench/run.py with ``options`` and a short drain; its JSON results."""
    results_path = tmp_path / "bench.json"
    command = [
        sys.executable, "bench/run.py", *options,
        "--rate", "20", "--drain", "5", "--json", str(results_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, f"bench failed:\n{run.stdout}\n{run.stderr}"
    return json.loads(results_path.read_text())


def assert_every_delivery_once(results: dict, expected: int) -> None:
    """Both sides: every expected delivery, no loss, no copy, nothing in the wrong room."""
    for side in ("ours", "baseline"):
        deliveries = results[side]["deliveries"]
        assert deliveries == {
            "expected": expected,
            "received": expected,
            "lost": 0,
            "duplicated": 0,
            "stray": 0,
            "stored_twice": 0,
        }, side
        assert results[side]["notices"] == {}, side  # no rate limit, nothing unstored
        assert results[side]["unexpected_closes"] == {}, side


def test_tiny_load_reaches_every_socket_once_on_both_sides(tmp_path: Path) -> None:
    results = run_bench(
        tmp_path, "--sockets", str(SOCKETS), "--users", "2", "--messages", str(MESSAGES)
    )
    assert_every_delivery_once(results, SOCKETS * MESSAGES)


def test_tiny_load_in_two_rooms_reaches_each_room_only(tmp_path: Path) -> None:
    rooms, sockets, messages = 2, 4, 10
    results = run_bench(
        tmp_path,
        "--rooms", str(rooms),
        "--sockets", str(sockets),
        "--users", "2",
        "--messages", str(messages),
    )  # fmt: skip
    assert results["plan"]["rooms"] == rooms
    # Messages alternate between the rooms; each is for its room's sockets only.
    assert_every_delivery_once(results, messages * sockets // rooms)


def test_tiny_load_through_nginx_reaches_every_socket_once(tmp_path: Path) -> None:
    """``--proxy``: the deploying docs' nginx configuration in front of each side, https and
    wss; nginx's CPU is reported beside the server's."""
    require(None if nginx_binary() else "nginx is not installed (apt-get install nginx)")
    results = run_bench(
        tmp_path, "--proxy", "--sockets", str(SOCKETS), "--users", "2", "--messages", "10"
    )
    assert results["stack"]["proxy"] == "nginx"
    assert_every_delivery_once(results, SOCKETS * 10)
    # Measured in clock ticks: a tiny run may round to none, but it is measured.
    assert all(
        results[side]["proxy_cpu_us_per_delivery"] is not None for side in ("ours", "baseline")
    )


def test_tally_counts_by_room() -> None:
    """The harness's own bookkeeping: a copy in the wrong room is stray, not received."""
    plan = Plan(sockets=5, senders=2, messages=4, rate=20, rooms=2)  # rooms of 3 and 2
    tally = Tally.for_plan(plan)
    assert plan.message_rooms() == [0, 1, 0, 1]
    assert tally.expected == 3 + 2 + 3 + 2
    for socket in range(5):
        for seq in range(4):
            if seq % 2 == socket % 2:
                tally.record(socket, Delivery(seq, 0), 1)
    assert tally.complete.is_set()
    tally.record(0, Delivery(0, 0), 2)  # a second copy
    tally.record(1, Delivery(0, 0), 2)  # room 0's message on a room 1 socket
    tally.record(1, Delivery(9, 0), 2)  # never sent
    assert tally.deliveries() == {
        "expected": 10,
        "received": 10,
        "lost": 0,
        "duplicated": 1,
        "stray": 2,
        "stored_twice": 0,
    }


def test_the_server_lets_the_busiest_person_hold_all_their_sockets() -> None:
    """The server's cap on a person's sockets is raised to the largest share, not the
    average: 10,000 sockets in 100 rooms fall to 17 people in blocks of 100."""
    args = parse_args(["--sockets", "10000", "--rooms", "100", "--users", "17"])
    owners = Counter(person_of(i, 100, 17) for i in range(10000))

    assert most_sockets_of_one(10000, args) == max(owners.values()) == 600
