"""``manage.py run_tasks``: the task consumer (huey's ``run_huey``), as ``serve`` starts it.

Every task module is imported (``chat.tasks``, through the app's ``ready``), and with
``--parent-pid`` the consumer stops, finishing the tasks it runs, once that process is gone:
a consumer never outlives the ``serve`` that started it. Run alone it is ``run_huey``.

huey logs every failed read of its queue with a traceback, once a second while Redis is
away (restarting, failing over); here that is one line naming the error, as the server's
own log says it (the consumer tries again by itself). So is a task that Redis stopped
midway: a periodic one runs again at its next time.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from django.conf import settings
from huey.consumer_options import ConsumerConfig
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


#: What huey says, with a traceback, when its queue cannot be read or written.
QUEUE_ERRORS = (
    "Error reading from queue",
    "Error reading schedule.",
    "Error enqueueing %s.",
    "Error enqueueing periodic task %s.",
)
#: What huey says, with a traceback, when a task raised.
TASK_FAILED = "Unhandled exception in task %s."


def _out_of_reach(error: BaseException | None) -> bool:
    """Whether ``error``, or one it came from, is Redis not answering."""
    from redis.exceptions import ConnectionError, TimeoutError

    while error is not None:
        if isinstance(error, ConnectionError | TimeoutError):
            return True
        error = error.__cause__ or error.__context__
    return False


class QueueUnreachable(logging.Filter):
    """A queue that cannot be reached is one warning line, without its traceback; so is a
    task stopped by Redis going away (the queue's own lock, or the task's enqueueing)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.msg in QUEUE_ERRORS and error:
            record.msg = "The task queue cannot be reached (%s): trying again"
            record.args = (error,)
        elif record.msg == TASK_FAILED and _out_of_reach(error):
            record.msg = "Task %s did not finish: Redis cannot be reached (%s)"
            record.args = (*record.args, error)
        else:
            return True
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _set_up_logging(options: dict) -> None:
    """huey's own log set-up (run_huey skips it once the logger has a handler), with the
    filter above on its handler."""
    logger = logging.getLogger("huey")
    if logger.handlers:
        return
    said = {**settings.HUEY.get("consumer", {}), **options}
    ConsumerConfig(**{k: v for k, v in said.items() if v is not None}).setup_logger(logger)
    for handler in logger.handlers:
        handler.addFilter(QueueUnreachable())


class Command(run_huey.Command):
    help = "Run the task consumer (manage.py serve starts one itself)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # Internal: started by serve, whose pid is given (it may be gone before we ask).
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        """Run the consumer until SIGTERM (or SIGINT), or until the parent goes."""
        parent_pid = options.pop("parent_pid")
        _set_up_logging(options)
        if parent_pid is not None:
            threading.Thread(
                target=_stop_when_orphaned, args=(parent_pid,), daemon=True, name="parent"
            ).start()
        super().handle(*args, **options)
