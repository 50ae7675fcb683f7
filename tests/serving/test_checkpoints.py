"""SQLite's checkpoints in a serving process (chat/serving/checkpoints.py): its own
connections never checkpoint as they commit, and a thread of the process does it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.db.backends.signals import connection_created
from django.db.utils import ConnectionHandler

from chat.serving import checkpoints

WAL = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"


def _django_sqlite(path: Path):
    """A Django connection of its own to the SQLite file ``path``, in WAL mode."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": {"init_command": WAL},
            }
        }
    )
    return handler["default"]


def _autocheckpoint(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cursor.fetchone()[0]


@pytest.fixture
def receiver():
    connection_created.connect(checkpoints.no_checkpoint_on_commit)
    yield
    connection_created.disconnect(checkpoints.no_checkpoint_on_commit)


def test_a_serving_processs_connections_leave_checkpoints_alone(
    tmp_path, receiver, django_db_blocker
) -> None:
    connection = _django_sqlite(tmp_path / "chat.sqlite3")
    with django_db_blocker.unblock():  # a database of the test's own, not the suite's
        try:
            assert _autocheckpoint(connection) == 0
        finally:
            connection.close()


def test_other_connections_keep_sqlites_default(tmp_path, django_db_blocker) -> None:
    connection = _django_sqlite(tmp_path / "chat.sqlite3")
    with django_db_blocker.unblock():
        try:
            assert _autocheckpoint(connection) == 1000
        finally:
            connection.close()


def _writer(path: Path) -> sqlite3.Connection:
    writer = sqlite3.connect(path, isolation_level=None)
    writer.executescript(WAL + "PRAGMA wal_autocheckpoint=0; CREATE TABLE said (body TEXT);")
    return writer


def _write(writer: sqlite3.Connection, count: int) -> None:
    for number in range(count):
        writer.execute("INSERT INTO said VALUES (?)", [f"message {number}"])


def _frames_in_log(path: Path) -> int:
    """The frames the log holds (asked by a checkpoint: it copies them back as it answers)."""
    with closing(sqlite3.connect(path)) as reader:
        return reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


def _wait_for(checkpointer: checkpoints.Checkpointer, passes: int) -> None:
    """Until the thread has made ``passes`` passes (10 s at most)."""
    with checkpointer.done:
        assert checkpointer.done.wait_for(lambda: checkpointer.passes >= passes, timeout=10)


def _run(checkpointer: checkpoints.Checkpointer, passes: int) -> None:
    """Start the thread, let it make ``passes`` passes, stop it."""
    checkpointer.start()
    try:
        _wait_for(checkpointer, passes)
    finally:
        checkpointer.stop()


def test_without_a_checkpoint_the_log_only_grows(tmp_path) -> None:
    """The control for the next test: nothing else checkpoints these writes."""
    path = tmp_path / "chat.sqlite3"
    with closing(_writer(path)) as writer:
        _write(writer, 50)
        _write(writer, 1)
        assert _frames_in_log(path) >= 51


def test_the_thread_checkpoints_on_its_own(tmp_path) -> None:
    path = tmp_path / "chat.sqlite3"
    checkpointer = checkpoints.Checkpointer(str(path), interval=0.01)
    with closing(_writer(path)) as writer:
        _write(writer, 50)
        checkpointer.start()
        try:
            _wait_for(checkpointer, passes=1)
            # The thread's checkpoint copied the whole log back, and its connection, still
            # open, holds no old snapshot: the next write starts the log again (without the
            # thread it would hold 51 writes: the test above).
            _write(writer, 1)
            assert _frames_in_log(path) <= 2
        finally:
            checkpointer.stop()


def test_serving_on_sqlite_starts_the_thread(tmp_path) -> None:
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "chat.sqlite3"}
    checkpointer = checkpoints.start_for_serving(database)
    try:
        assert checkpointer is not None
        assert checkpointer.path == str(tmp_path / "chat.sqlite3")
        _wait_for(checkpointer, passes=1)
        assert connection_created.disconnect(checkpoints.no_checkpoint_on_commit)  # was connected
    finally:
        connection_created.disconnect(checkpoints.no_checkpoint_on_commit)
        if checkpointer is not None:
            checkpointer.stop()


def test_serving_on_postgresql_changes_nothing() -> None:
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "chat"}
    assert checkpoints.start_for_serving(database) is None
    assert not connection_created.disconnect(checkpoints.no_checkpoint_on_commit)


def test_a_failed_checkpoint_is_logged_and_tried_again(tmp_path, caplog) -> None:
    checkpointer = checkpoints.Checkpointer(str(tmp_path / "no such folder" / "chat.sqlite3"), 0.01)
    _run(checkpointer, passes=2)

    failures = [r for r in caplog.records if r.name == "chat.serving.checkpoints"]
    assert len(failures) >= 2
    assert "could not checkpoint the database (unable to open database file)" in failures[0].message
