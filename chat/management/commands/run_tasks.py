"""``manage.py run_tasks``: the task consumer (huey's ``run_huey``), as ``serve`` starts it.

Every task module is imported (``chat.tasks``, through the app's ``ready``), and with
``--parent-pid`` the consumer stops, finishing the tasks it runs, once that process is gone:
a consumer never outlives the ``serve`` that started it. Run alone it is ``run_huey``.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from huey.contrib.djhuey.management.commands import run_huey

#: How often the consumer looks whether its parent is still there.
PARENT_CHECK_SECONDS = 1.0


def _stop_when_orphaned(parent_pid: int) -> None:
    stopped = threading.Event()
    while not stopped.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent_pid:
            # SIGTERM is the consumer's graceful stop (settings.HUEY["consumer"]).
            os.kill(os.getpid(), signal.SIGTERM)
            return


class Command(run_huey.Command):
    help = "Run the task consumer (manage.py serve starts one itself)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # Internal: started by serve, whose pid is given (it may be gone before we ask).
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        """Run the consumer until SIGTERM (or SIGINT), or until the parent goes."""
        parent_pid = options.pop("parent_pid")
        if parent_pid is not None:
            threading.Thread(
                target=_stop_when_orphaned, args=(parent_pid,), daemon=True, name="parent"
            ).start()
        super().handle(*args, **options)
