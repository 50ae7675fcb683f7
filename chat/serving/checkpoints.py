"""SQLite's checkpoints, kept off the path of a message, in a serving process.

With ``journal_mode=WAL`` (``site/settings.py``) every commit appends to the write-ahead
log, and by default the connection whose commit takes the log past 1,000 pages then
copies the log back into the database file, with an fsync, before that commit returns
(SQLite's ``wal_autocheckpoint``). In a serving process that connection is the database
thread storing someone's message: one message in about 70 took 8 to 9 ms to store
instead of 2.6, and every message behind it waited too (docs/performance.md, "SQLite's
checkpoints, off the message path").

So a serving process's own connections never checkpoint (``wal_autocheckpoint=0``, set
as each one opens), and a thread of the process does it instead, every
:data:`INTERVAL_SECONDS`, with a connection of its own. Its checkpoint is ``PASSIVE``: it
copies what no reader still needs and waits for no reader or writer; the ``sqlite3``
module lets go of the interpreter while SQLite works, so the event loop runs on meanwhile.
The log is then at most a second of writes ahead of the database file, as it was at most
1,000 pages before. Other processes (the task consumer, ``manage.py`` commands, tests)
keep SQLite's default: a checkpoint there holds up nobody's message.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from django.conf import settings
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

#: How often the serving process checkpoints its database's log.
INTERVAL_SECONDS = 1.0
#: How long a checkpoint's connection waits for a lock before giving up on this pass.
BUSY_SECONDS = 5.0


def no_checkpoint_on_commit(sender, connection, **kwargs) -> None:
    """A ``connection_created`` receiver: a new SQLite connection leaves checkpoints to
    the :class:`Checkpointer`."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")


class Checkpointer:
    """A thread that checkpoints the SQLite database at ``path`` every ``interval``
    seconds until :meth:`stop`."""

    def __init__(self, path: str, interval: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self.passes = 0  # checkpoints made, for whoever waits for one (the tests)
        self.done = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def checkpoint(self, database: sqlite3.Connection) -> tuple[int, int, int]:
        """One passive checkpoint now, through ``database`` (a connection of this thread's):
        SQLite's answer (busy, frames in the log, frames copied into the database file)."""
        busy, logged, copied = database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return busy, logged, copied

    def connect(self) -> sqlite3.Connection:
        """A connection of the calling thread's to the database."""
        return sqlite3.connect(self.path, timeout=BUSY_SECONDS)

    def start(self) -> None:
        """Checkpoint in a thread of this process from now on."""
        self._thread = threading.Thread(target=self._run, daemon=True, name="sqlite-checkpoints")
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; it makes no further checkpoint."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        # One connection for every pass: opening one reads the schema again, which cost
        # as much CPU as the checkpoint itself.
        database: sqlite3.Connection | None = None
        while not self._stop.wait(self.interval):
            try:
                database = database or self.connect()
                self.checkpoint(database)
            except sqlite3.Error as error:
                # The next pass tries again, on a new connection; meanwhile the log grows.
                logger.warning("could not checkpoint the database (%s)", error)
                if database is not None:
                    database.close()
                database = None
            with self.done:
                self.passes += 1
                self.done.notify_all()
        if database is not None:
            database.close()


def start_for_serving(database: dict | None = None) -> Checkpointer | None:
    """In a serving process on SQLite, move the checkpoints of ``database`` (settings, the
    default database's) to a thread (the module's docstring); None on another database."""
    database = database or settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return None
    connection_created.connect(no_checkpoint_on_commit)
    checkpointer = Checkpointer(str(database["NAME"]))
    checkpointer.start()
    return checkpointer
