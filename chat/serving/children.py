"""What ``serve``'s children share (``chat.serving.supervisor``): the restart policy, how a
child's end is told, and the task consumer, with the thread that supervises it beside a
daphne serving in the same process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from django.conf import settings
from django.core.management.base import OutputWrapper

#: Children may die this many times within RESTART_WINDOW seconds before serve gives up.
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0
MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"


def runs_task_consumer(tasks: bool) -> bool:
    """Whether ``serve`` starts a task consumer: asked for, and a queue to consume (in
    immediate mode tasks run where they are asked for)."""
    return tasks and not settings.HUEY.get("immediate", False)


def start_task_consumer(parent_pid: int) -> subprocess.Popen:
    """``manage.py run_tasks`` in a child process of its own group, stopping if
    ``parent_pid`` goes away."""
    return subprocess.Popen(  # noqa: S603 - our own manage.py, with our own arguments
        [sys.executable, str(MANAGE_PY), "run_tasks", "--parent-pid", str(parent_pid)],
        cwd=MANAGE_PY.parent,
        process_group=0,  # terminal signals reach it only through serve
    )


class Deaths:
    """The restart policy: children may die ``RESTART_LIMIT`` times within
    ``RESTART_WINDOW`` seconds."""

    def __init__(self) -> None:
        self.times: deque[float] = deque()

    def count(self) -> int:
        """Record one death; how many there were within the window."""
        now = time.monotonic()
        self.times.append(now)
        while self.times and self.times[0] < now - RESTART_WINDOW:
            self.times.popleft()
        return len(self.times)


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


class TaskConsumer:
    """The task consumer beside a daphne serving in this same process (one worker): a
    child process that a thread waits for and restarts, as :class:`Supervisor` would."""

    def __init__(self, stop_timeout: float, out: OutputWrapper) -> None:
        self.stop_timeout = stop_timeout
        self.out = out
        self.deaths = Deaths()
        self.lock = threading.Lock()
        self.stopping = False
        self.gave_up = False
        self.process: subprocess.Popen | None = None

    def say(self, message: str) -> None:
        self.out.write(message)
        self.out.flush()

    def start(self) -> None:
        """Start the consumer and the thread that watches it."""
        self._spawn()
        threading.Thread(target=self._watch, daemon=True, name="task-consumer").start()

    def _spawn(self) -> None:
        self.process = start_task_consumer(os.getpid())
        self.say(f"task consumer started (pid {self.process.pid})")

    def _watch(self) -> None:
        while True:
            process = self.process
            returncode = process.wait()
            with self.lock:
                if self.stopping:
                    return
                how, deaths = how_it_ended(returncode), self.deaths.count()
                if deaths >= RESTART_LIMIT:
                    self.gave_up = True
                    self.say(
                        f"task consumer (pid {process.pid}) exited ({how}); it died {deaths} "
                        f"times within {RESTART_WINDOW:.0f} s: giving up"
                    )
                    # daphne's own graceful stop; serve then exits with status 1.
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                self.say(f"task consumer (pid {process.pid}) exited ({how}); restarting")
                self._spawn()

    def stop(self) -> None:
        """SIGTERM the consumer and wait for it; SIGKILL if it outstays the timeout."""
        with self.lock:
            self.stopping = True
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.say("stopping the task consumer")
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.say(f"task consumer (pid {process.pid}) did not stop; killing it")
            process.kill()
            process.wait()
        self.say("task consumer stopped")
