"""Two boxes behind nginx, deployed as docs/deploying.md says ("Several boxes").

Each box is ``manage.py serve --proxy-headers`` on a loopback port of its own, with the
production settings a deploy behind a TLS proxy runs: DEBUG off, the https redirect and
secure cookies on (the suite's plain-http switches turned back), and
``DJANGO_TRUST_X_FORWARDED_PROTO=1``. The boxes share one Redis database and one fresh
PostgreSQL database; nginx runs ``docs/examples/nginx.conf`` as shipped in front of them
(``bench.proxy.Nginx``), and clients speak https to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.proxy import Nginx, nginx_binary
from tests.support.accounts import Browser, unverified_tls
from tests.support.live_server import LiveServer, running
from tests.support.postgres import fresh_database
from tests.support.processes import established_to
from tests.support.required import require, require_redis

#: What a deploy behind a proxy that ends TLS sets (docs/deploying.md), over the suite's
#: plain-http switches (tests.support.environment).
BEHIND_TLS_PROXY = {
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_COOKIES": "1",
    "DJANGO_TRUST_X_FORWARDED_PROTO": "1",
}


@dataclass
class Deploy:
    """The boxes (each a :class:`LiveServer`) and nginx in front of them."""

    boxes: list[LiveServer]
    nginx: Nginx

    @property
    def url(self) -> str:
        """The chat's address: https, through nginx."""
        return self.nginx.url

    def browser(self) -> Browser:
        """A new cookie jar speaking https to nginx (its certificate is self-signed)."""
        return Browser(self.url, tls=unverified_tls())

    def connections(self) -> list[set[int]]:
        """For each box, the client ports of the TCP connections it holds (nginx's)."""
        return [established_to(box.port) for box in self.boxes]


@contextmanager
def two_boxes_behind_nginx(
    tmp_path: Path, redis_url: str, serve_args: tuple[str, ...] = ()
) -> Iterator[Deploy]:
    """Two boxes sharing the Redis at ``redis_url`` (flushed) and a new PostgreSQL
    database, nginx in front, for the block; each box's log is printed afterwards (pytest
    shows it when a test failed). Fails (CI) or skips without nginx, Redis or PostgreSQL."""
    require(None if nginx_binary() else "nginx is not installed (make nginx)")
    require_redis(redis_url)
    redis.Redis.from_url(redis_url).flushdb()
    with fresh_database("chat_boxes") as database_url, ExitStack() as stack:
        env = {
            **BEHIND_TLS_PROXY,
            "REDIS_URL": redis_url,
            "DATABASE_URL": database_url,
            # One folder for both (one machine): a deploy's shared file storage.
            "CHAT_MEDIA_ROOT": str(tmp_path / "media"),
        }
        args = ("--proxy-headers", *serve_args)
        boxes = [
            LiveServer(tmp_path / f"box-{name}.sqlite3", env=env, serve_args=args) for name in "ab"
        ]
        for box in boxes:
            stack.enter_context(running(box))
        nginx = stack.enter_context(Nginx(tmp_path / "nginx", [box.port for box in boxes]))
        try:
            yield Deploy(boxes, nginx)
        finally:
            print(f"--- nginx's error log ---\n{nginx.error_log()}")
