"""``manage.py serve`` starts the task consumer beside daphne, supervises it, and stops it:
real processes and signals, as in test_serve.py."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import LiveServer, running
from tests.support.processes import wait_for_exit

CONSUMER = r"task consumer started \(pid (\d+)\)"


@pytest.fixture
def one_process(tmp_path: Path) -> Iterator[LiveServer]:
    with running(LiveServer(tmp_path / "chat.sqlite3")) as server:
        yield server


def consumer_pid(server: LiveServer) -> int:
    return int(server.wait_for_output(CONSUMER)[1])


def test_serve_starts_the_consumer_and_sigterm_stops_it(one_process: LiveServer) -> None:
    pid = consumer_pid(one_process)

    one_process.process.send_signal(signal.SIGTERM)

    one_process.wait_for_output("task consumer stopped")
    assert one_process.process.wait(timeout=30) == 0
    assert wait_for_exit(pid, 5)


def test_a_consumer_that_dies_is_restarted(one_process: LiveServer) -> None:
    pid = consumer_pid(one_process)

    os.kill(pid, signal.SIGKILL)

    one_process.wait_for_output(rf"task consumer \(pid {pid}\) exited \(signal SIGKILL\)")
    assert consumer_pid(one_process) != pid


def test_the_consumer_stops_when_serve_is_killed(one_process: LiveServer) -> None:
    pid = consumer_pid(one_process)

    one_process.process.kill()

    assert wait_for_exit(pid, 15), "the consumer outlived serve"


def test_no_tasks_starts_no_consumer(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "chat.sqlite3", serve_args=("--no-tasks",))
    with running(server):
        pass

    assert "task consumer" not in server.log_path.read_text()


def test_several_workers_supervise_the_consumer_too(tmp_path: Path, redis_url: str) -> None:
    server = LiveServer(
        tmp_path / "chat.sqlite3", env={"REDIS_URL": redis_url}, serve_args=("--workers", "2")
    )
    with running(server):
        pid = consumer_pid(server)
        os.kill(pid, signal.SIGKILL)
        server.wait_for_output(rf"task consumer \(pid {pid}\) exited \(signal SIGKILL\); restart")
        replacement = consumer_pid(server)

        server.process.send_signal(signal.SIGTERM)

        server.wait_for_output("all workers stopped")
        assert wait_for_exit(replacement, 5)
