"""The ``HUEY`` setting (``chat/tasks.py`` says why huey): where the task queue lives and
how its consumer runs, read from ``site/settings.py``.

- ``immediate``: every task runs at once, in the process that asks (the test process);
- with a Redis URL: ``RedisHuey`` there, shared by every process of every box, each queued
  task taken by one consumer; a ``redis+sentinel://`` URL becomes a pool that follows the
  primary (``site.redis_urls.huey_connection``: huey itself reads only plain URLs);
- else ``SqliteHuey`` in a file beside the data.

The consumer (``manage.py run_tasks``, which ``serve`` starts) runs two threads, finishes
the tasks it runs on SIGTERM (what ``serve`` sends it), within 30 s, and looks at an empty
SQLite queue at least once a second.
"""

from __future__ import annotations

from pathlib import Path
from site import redis_urls

CONSUMER = {
    "workers": 2,
    "worker_type": "thread",
    "graceful_signal": "TERM",
    "shutdown_timeout": 30,
    "max_delay": 1.0,
}


def default_file(databases: dict, base_dir: Path) -> Path:
    """Where the queue's SQLite file goes without REDIS_URL: beside a SQLite database (each
    database its own queue), else in the project's folder."""
    default = databases["default"]
    if default["ENGINE"].endswith("sqlite3"):
        return Path(f"{default['NAME']}-tasks")
    return base_dir / "tasks.sqlite3"


def huey(*, immediate: bool, redis_url: str, file: Path) -> dict:
    """The ``HUEY`` setting for these choices."""
    if immediate:
        return {"huey_class": "huey.MemoryHuey", "name": "chat", "immediate": True}
    if redis_url:
        connection = redis_urls.huey_connection(
            redis_url, socket_connect_timeout=5, socket_timeout=15
        )
        return {
            "huey_class": "huey.RedisHuey",
            "name": "chat",
            "immediate": False,
            **connection,
            "consumer": CONSUMER,
        }
    return {
        "huey_class": "huey.SqliteHuey",
        "name": "chat",
        "immediate": False,
        "filename": str(file),
        "consumer": CONSUMER,
    }
