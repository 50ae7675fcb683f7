"""Search bench: a fresh database filled with many messages, then searches timed through
``chat.messages.search``, with the size of the index.

    python bench/search.py                                 # SQLite, 1,000,000 messages
    python bench/search.py --postgres                      # PostgreSQL on loopback
    python bench/search.py --postgres postgres://postgres@127.0.0.1:5432/test
    python bench/search.py --messages 20000 --check        # small, and each page checked

A fresh SQLite file in a temp dir, or a fresh PostgreSQL database made on the server the
``--postgres`` URL names (loopback only; its own database is only used to create and drop
ours), migrated. Messages are loaded as a migration would find them, without the index
(SQLite: INSERT in transactions of 50,000 rows; PostgreSQL: COPY), and the index is then
built by migration 0006's own statements: both times are printed. Then ``--searches``
searches of nine kinds taking turns (common and rare words, several words, prefixes, a word
in no message, a second page), each through ``chat.messages.search.search`` as the search page calls
it, and p50/p99 per kind in ms. Everything is removed afterwards unless ``--keep``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import secrets
import shutil
import tempfile
import time
from urllib.parse import urlsplit

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to load")
    parser.add_argument("--searches", type=int, default=450, help="searches to time, all kinds")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        metavar="URL",
        help=f"a loopback PostgreSQL server to make a database on (default {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--check", action="store_true", help="check each page by a plain scan")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def _create_postgres(admin_url: str) -> tuple[str, str]:
    """A new database on the loopback server of ``admin_url``: its name and URL."""
    host = urlsplit(admin_url).hostname or ""
    if host not in LOOPBACK:
        sys.exit(f"--postgres must name a loopback server, not {host!r}")
    import psycopg

    name = f"chat_search_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _set_up_django(database_url: str) -> None:
    """Django as production runs it, on ``database_url``, with an in-process cache."""
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    import django

    import manage  # noqa: F401 - attaches the site/ package before settings are read

    django.setup()


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _bench(options: argparse.Namespace, database: str) -> int:
    from django.core.management import call_command

    from bench import search_world

    call_command("migrate", verbosity=0)
    search_world.drop_index()
    started = time.perf_counter()
    world = search_world.fill(options.messages, seed=options.seed, keep=options.check)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    search_world.build_index()
    indexed = time.perf_counter() - started
    print(
        f"search bench: {database}, {options.messages:,} messages"
        f" (loaded in {loaded:.1f} s, index built in {indexed:.1f} s),"
        f" {options.searches} searches as a reader of {len(world.readable_rooms)} of 100 rooms"
    )
    planned = search_world.searches(world.vocabulary, options.searches, seed=options.seed + 1)
    search_world.timings(world.reader, planned[:20])  # warm the caches first
    print(f"{'kind':<28} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'results':>8}")
    for kind, runs in search_world.timings(world.reader, planned).items():
        ms = [elapsed for elapsed, _count in runs]
        counts = sorted(count for _elapsed, count in runs)
        print(
            f"{kind:<28} {len(runs):>4} {search_world.percentile(ms, 0.5):>8.2f}"
            f" {search_world.percentile(ms, 0.99):>8.2f} {counts[len(counts) // 2]:>8}"
        )
    sizes = search_world.sizes()
    print("index: " + ", ".join(f"{name} {_mib(size)}" for name, size in sizes.items()))
    if options.check:
        wrong = search_world.check(world, planned)
        print(f"checked {len(planned)} searches against a plain scan: {len(wrong)} wrong")
        for line in wrong[:20]:
            print("  " + line)
        return 1 if wrong else 0
    return 0


def main(argv: list[str] | None = None) -> int:
    """Make the database, run the bench, clean up; the exit status (1: a check failed)."""
    options = _arguments(argv)
    workdir = Path(tempfile.mkdtemp(prefix="chat-search-bench-"))
    name = None
    try:
        if options.postgres:
            name, url = _create_postgres(options.postgres)
            database = "postgresql"
        else:
            url, database = f"sqlite:///{workdir / 'search.sqlite3'}", "sqlite"
        _set_up_django(url)
        status = _bench(options, database)
    finally:
        if options.keep:
            print(f"kept: {name or workdir}")
        elif name:
            from django.db import connections

            connections.close_all()
            _drop_postgres(options.postgres, name)
        if name or not options.keep:  # a PostgreSQL run leaves nothing in the temp dir
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
