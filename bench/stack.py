"""The server stack under test: database, channel layer, settings, and the server processes.

A :class:`Stack` is a temporary directory with a fresh SQLite file (or a fresh PostgreSQL
database), migrated, with static files collected, and the production environment of the
README ("Deploying") adapted to plain http on loopback. Both sides run on it in turn, each
in a :class:`ServerProcess`: ours through ``manage.py serve``, the baseline through
``bench/launch.py serve`` (the same command with the bench application).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import procstat
from bench.proxy import Nginx
from tests.support.net import free_port

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
#: Settings the harness decides; inherited values would make runs differ by shell.
CONTROLLED = (
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_CHANNEL_LAYER",
    "CONN_MAX_AGE",
    "CHANNEL_CAPACITY",
)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


@dataclass
class StackConfig:
    """What to run on: workers, PostgreSQL or SQLite, Redis or the in-memory layer."""

    workers: int = 1
    postgres: str | None = None  # an admin URL; a database of our own is made there
    redis: str | None = None  # a database of ours: flushed before each server starts
    extra_env: dict[str, str] = field(default_factory=dict)
    keep: bool = False
    #: nginx in front of each server, with the deploying docs' configuration (``bench.proxy``)
    proxy: bool = False


class ServerProcess:
    """One server command on a free port; its output goes to a log file."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        log: Path,
        proxy_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.port = free_port()
        #: Where clients reach it: the server itself, or nginx in front of it once started.
        self.url = self.direct_url = f"http://127.0.0.1:{self.port}"
        self.argv = [sys.executable, *command, "--bind", f"127.0.0.1:{self.port}"]
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None
        self.proxy = Nginx(proxy_dir, [self.port]) if proxy_dir else None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Start the command and wait until /healthz answers."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited:\n{self.log_tail()}")
            try:
                with opener.open(f"{self.direct_url}/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        self._start_proxy()
                        return
            except urllib.error.HTTPError as error:  # it answers, wrongly: no use waiting
                self.stop()
                raise RuntimeError(
                    f"{self.name} server answered /healthz with {error.code}:\n{self.log_tail()}"
                ) from None
            except OSError:
                time.sleep(0.1)  # not listening yet
        self.stop()
        raise RuntimeError(f"{self.name} server did not answer:\n{self.log_tail()}")

    def _start_proxy(self) -> None:
        if self.proxy is not None:
            try:
                self.proxy.start()
            except (RuntimeError, subprocess.CalledProcessError) as error:
                self.stop()
                raise RuntimeError(f"{self.name}: nginx did not start: {error}") from None
            self.url = self.proxy.url

    def stop(self) -> None:
        """SIGTERM (the graceful stop), SIGKILL if it outstays STOP_TIMEOUT; nginx first."""
        if self.proxy is not None:
            self.proxy.stop()
        procstat.stop(self.process, STOP_TIMEOUT)

    def pids(self) -> list[int]:
        """The server's processes: the one started and its workers."""
        return procstat.process_tree(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        """CPU time used so far by all of the server's processes."""
        return procstat.cpu_seconds(self.pids())

    def proxy_cpu_seconds(self) -> float | None:
        """CPU time used so far by nginx in front of it; None without one."""
        return self.proxy.cpu_seconds() if self.proxy is not None else None

    def rss_bytes(self) -> int:
        """Resident memory of all of the server's processes."""
        return procstat.rss_bytes(self.pids())

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Stack:
    """A prepared environment both sides are served on, cleaned up on exit."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.workdir = Path(tempfile.mkdtemp(prefix="chat-bench-"))
        self.database_name: str | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> Stack:
        try:
            self.env = self._environment(self._database_url())
            self._prepare()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self.database_name is not None:
            import psycopg

            with psycopg.connect(self.config.postgres, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        if not self.config.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def describe(self) -> dict:
        """The stack in a few words, for the report."""
        return {
            "database": "postgresql" if self.config.postgres else "sqlite",
            "channel_layer": "redis" if self.config.redis else "in-memory",
            "workers": self.config.workers,
            "proxy": "nginx" if self.config.proxy else None,
            "extra_env": self.config.extra_env,
            "workdir": str(self.workdir) if self.config.keep else None,
        }

    def _database_url(self) -> str:
        if not self.config.postgres:
            return f"sqlite:///{self.workdir / 'bench.sqlite3'}"
        import psycopg

        self.database_name = f"chat_bench_{secrets.token_hex(5)}"
        with psycopg.connect(self.config.postgres, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database_name}"')
        return self.config.postgres.rsplit("/", 1)[0] + f"/{self.database_name}"

    def _environment(self, database_url: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("DJANGO_") and key not in CONTROLLED
        }
        env.update(
            {
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                # Plain http on loopback: no redirect to https, cookies sent over http.
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_SECURE_COOKIES": "0",
                "DJANGO_STATIC_ROOT": str(self.workdir / "static"),
                "DATABASE_URL": database_url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.config.redis:
            env["REDIS_URL"] = self.config.redis
        if self.config.proxy:
            # As deployed behind nginx (docs/deploying.md): https is what nginx says it is.
            env["DJANGO_TRUST_X_FORWARDED_PROTO"] = "1"
        env.update(self.config.extra_env)
        return env

    def _prepare(self) -> None:
        """migrate and collectstatic, side by side."""
        commands = [["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]]
        running = [
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=REPO,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for command in commands
        ]
        for command, process in zip(commands, running, strict=True):
            output, _ = process.communicate(timeout=300)
            if process.returncode != 0:
                raise RuntimeError(f"manage.py {command[0]} failed:\n{output}")

    def flush_redis(self) -> None:
        """Empty the bench's Redis database, so no group outlives its run."""
        if self.config.redis:
            import redis

            redis.Redis.from_url(self.config.redis).flushdb()

    def server(self, side: str) -> ServerProcess:
        """The server for ``ours`` (manage.py serve) or ``baseline`` (bench/launch.py serve)."""
        entry = "manage.py" if side == "ours" else "bench/launch.py"
        command = [entry, "serve", "--workers", str(self.config.workers)]
        if self.config.proxy:
            command.append("--proxy-headers")  # as deployed behind it (docs/deploying.md)
        self.flush_redis()
        proxy_dir = self.workdir / f"nginx-{side}" if self.config.proxy else None
        return ServerProcess(side, command, self.env, self.workdir / f"{side}.log", proxy_dir)
