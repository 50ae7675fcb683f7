"""``manage.py serve`` starts the task consumer beside daphne, supervises it, and stops it:
real processes and signals, as in test_serve.py."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
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


ENQUEUE_A_DIGEST = """
from django.contrib.auth import get_user_model
from chat.people import digests
from tests.support.messages import write_to
User = get_user_model()
alice = User.objects.create(username="alice")
bob = User.objects.create(username="bob", email="bob@example.com")
write_to(alice, bob, "mailed by the consumer")
digests.send_digest(bob.pk)
"""


def mails_in(directory: Path, timeout: float = 30) -> list[str]:
    """The mails the file backend wrote into ``directory``, once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(directory.glob("*.log")) if directory.exists() else []
        if found:
            return [path.read_text() for path in found]
        time.sleep(0.1)  # the consumer writes a file; there is no event to await
    raise AssertionError(f"no mail in {directory} within {timeout} s")


def test_a_task_another_process_enqueues_is_run_by_serves_consumer(tmp_path: Path) -> None:
    outbox = tmp_path / "mail"
    # dj-email-url reads the path after "file://" without its first slash.
    env = {"EMAIL_URL": f"file:///{outbox}", "CHAT_DIGEST_AFTER_MINUTES": "0"}
    server = LiveServer(tmp_path / "chat.sqlite3", env=env)
    with running(server):
        consumer_pid(server)

        server.manage("shell", "-c", ENQUEUE_A_DIGEST)

        [sent] = mails_in(outbox)
    assert "To: bob@example.com" in sent and "mailed by the consumer" in sent
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in sent


def logged(msg: str, args: tuple | None, error: BaseException) -> logging.LogRecord:
    """What huey logs with ``logger.exception(msg, *args)`` while ``error`` is raised, as
    the consumer's log filter gets it."""
    from chat.management.commands.run_tasks import QueueUnreachable

    try:
        raise error
    except BaseException:
        record = logging.LogRecord("huey", logging.ERROR, __file__, 1, msg, args, sys.exc_info())
    assert QueueUnreachable().filter(record)
    return record


def one_line(record: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_a_queue_out_of_reach_is_one_line_without_a_traceback() -> None:
    closed = ConnectionError("Connection closed by server.")
    record = logged("Error reading from queue", None, closed)
    assert one_line(record) == (
        "WARNING The task queue cannot be reached (Connection closed by server.): trying again"
    )


def test_a_task_stopped_by_redis_going_away_is_one_line_without_a_traceback() -> None:
    from redis.exceptions import ConnectionError as RedisUnreachable

    unreachable = RedisUnreachable("Error 111 connecting to 127.0.0.1:6379.")
    unreachable.__cause__ = ConnectionRefusedError(111, "Connection refused")
    record = logged("Unhandled exception in task %s.", ("ab12",), unreachable)
    assert one_line(record) == (
        "WARNING Task ab12 did not finish: Redis cannot be reached"
        " (Error 111 connecting to 127.0.0.1:6379.)"
    )


def test_a_task_that_fails_for_another_reason_keeps_its_traceback() -> None:
    record = logged("Unhandled exception in task %s.", ("ab12",), ValueError("a bug"))
    assert record.levelno == logging.ERROR and record.exc_info
