"""The task queue's consumer beside a live server (``manage.py run_huey``)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support import REPO
from tests.support.live_server import LiveServer


@contextmanager
def consuming(server: LiveServer) -> Iterator[subprocess.Popen]:
    """``manage.py run_huey`` with ``server``'s environment (so the same queue, beside its
    database) for the block; its output is appended to the server's log.

    ``manage.py serve`` does not start the consumer yet; once it does, a test's
    ``with consuming(server)`` is dropped and the server's own consumer does the work.
    """
    with open(server.log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey"],
            cwd=REPO,
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)  # huey's graceful stop: running tasks finish
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
