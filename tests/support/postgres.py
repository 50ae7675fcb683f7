"""PostgreSQL databases of a test's own, for server processes the test starts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.support.required import require_postgres


@contextmanager
def fresh_database(prefix: str = "chat") -> Iterator[str]:
    """A new, empty database for the block (its URL), dropped afterwards with whatever
    connections are left on it. Fails (CI) or skips without PostgreSQL."""
    admin_url = require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def connections_to(database_url: str) -> int:
    """How many server processes hold a connection to the database ``database_url`` names,
    besides the one asking."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(require_postgres(), autocommit=True) as admin:
        (count,) = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    return count
