"""Mail sent off the request path: rendered and handed to the mail backend by a small pool
of threads, so that the page answers at once and in the same time whether or not a mail
goes out (a password reset must not tell, by its timing, that an address has an account).

Each process has ``MAIL_THREADS`` threads; a mail waits in memory for a free one, and is
lost if the process stops first (a reset can be asked for again). A mail that cannot be
sent, or that fails before, is logged with its traceback and told to nobody. A task queue
of its own (a worker process, retries) will replace this pool; the callers only use
``send_later``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.db import connections

logger = logging.getLogger(__name__)

#: Threads of a process that send mail: one waits on a slow server while another goes on.
MAIL_THREADS = 2

_pool = ThreadPoolExecutor(max_workers=MAIL_THREADS, thread_name_prefix="mail")
_pending: set[Future] = set()
_pending_lock = threading.Lock()


def _run(send: Callable[[], object], what: str) -> None:
    try:
        send()
    except Exception:
        logger.exception("%s could not be sent", what)
    finally:
        # A template that read the database opened this thread's own connection.
        connections.close_all()


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def send_later(send: Callable[[], object], what: str) -> Future:
    """Call ``send`` (which renders and sends one mail) on a mail thread, and return at once.
    ``what`` names the mail in the log if it fails ("a password reset mail")."""
    future = _pool.submit(_run, send, what)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def wait_until_sent(timeout: float = 10) -> None:
    """Wait until every mail handed to ``send_later`` so far has been sent (or has failed);
    for tests, and for a command that must not stop before its mail is out."""
    with _pending_lock:
        pending = set(_pending)
    _done, not_done = wait(pending, timeout=timeout)
    if not_done:
        raise TimeoutError(f"{len(not_done)} mail(s) still being sent after {timeout} s")
