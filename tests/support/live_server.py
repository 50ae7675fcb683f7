"""A real chat server in a child process: ``manage.py serve`` (daphne) on a free loopback port,
with the production settings the test process runs with (``tests.support.environment``)."""

from __future__ import annotations

import atexit
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import REPO
from tests.support.net import free_port


class LiveServer:
    """Start, stop and restart the chat on one port with one database file.

    Everything the server prints goes to ``log_path``; ``wait_for_output`` also lets a
    test wait for a line (e.g. ``worker 2 started (pid 123)``) as it is printed.
    """

    def __init__(
        self,
        database_path: Path,
        env: dict[str, str] | None = None,
        serve_args: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # In-memory channel layer unless the caller passes REDIS_URL on purpose.
        inherited = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        self.env = {
            **inherited,
            "DATABASE_URL": f"sqlite:///{database_path}",
            # The tests sign many people up, all from loopback.
            "CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR": "1000",
            # No link a test posts is fetched (a test of previews passes "1", and its own
            # page server).
            "CHAT_LINK_PREVIEWS": "0",
            # The real task queue (a file beside the database) and its consumer, as shipped.
            "CHAT_TASKS_IMMEDIATE": "0",
            **(env or {}),
        }
        self.serve_args = serve_args
        self.process: subprocess.Popen | None = None
        self.log_path = database_path.with_suffix(".log")
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._migrate()

    def _migrate(self) -> None:
        """The schema, as ``manage.py migrate`` makes it. A new SQLite file is a copy of one
        this test process migrated once: a hundred tests start a server each, and a
        ``migrate`` of its own cost each of them seconds."""
        url = self.env["DATABASE_URL"]
        target = Path(url.removeprefix("sqlite:///"))
        if not url.startswith("sqlite:///") or target.exists():
            self.manage("migrate", "--no-input", "-v0")
            return
        shutil.copyfile(_migrated_sqlite(self.env), target)

    def manage(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        """Run ``manage.py <args>`` with this server's environment; output is captured."""
        return run_manage(self.env, *args, check=check, timeout=timeout)

    _manage = manage  # the earlier name

    def make_staff(self, username: str) -> None:
        """Give ``username`` staff status (what ``createsuperuser`` or the admin would):
        with production settings only staff open the styleguide."""
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.filter(username={username!r}).update(is_staff=True)",
        )

    def _copy_output(self, stream, log) -> None:
        """Copy the server's output to the log file and the line queue, until it ends."""
        with stream, log:
            for line in stream:
                log.write(line)
                log.flush()
                self._lines.put(line)
        self._lines.put(None)

    def start(self, timeout: float = 20) -> None:
        """Start daphne and wait until /healthz answers."""
        self._lines = queue.Queue()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                *self.serve_args,
            ],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        log = open(self.log_path, "a")  # noqa: SIM115 - closed by the copying thread
        self._reader = threading.Thread(
            target=self._copy_output, args=(self.process.stdout, log), daemon=True
        )
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.05)  # polling a port that is not open yet; no event to await
        raise RuntimeError(f"server did not answer in {timeout} s: {self.log_path.read_text()}")

    def wait_for_output(self, pattern: str, timeout: float = 20) -> re.Match:
        """The next printed line matching ``pattern``; earlier lines are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                why = f"nothing within {timeout} s"
            else:
                if line is not None:
                    match = re.search(pattern, line)
                    if match:
                        return match
                    continue
                self._lines.put(None)  # the output ended; later calls see that too
                why = "the server's output ended"
            raise AssertionError(
                f"no line matching {pattern!r} ({why}):\n{self.log_path.read_text()}"
            )

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Stop the server process (SIGTERM by default, SIGKILL for a crash); its exit status."""
        returncode = None
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            returncode = self.process.returncode
        if self._reader:
            self._reader.join(timeout=5)
            self._reader = None
        self.process = None
        return returncode

    def restart(self) -> None:
        """Stop and start again on the same port and database."""
        self.stop()
        self.start()

    def stop_showing_log(self) -> str:
        """Stop (if running) and print the log, which pytest shows when a test failed; the log."""
        self.stop()
        log = self.log_path.read_text() if self.log_path.exists() else ""
        print(f"--- server log ({self.log_path}) ---\n{log}")
        return log


def run_manage(
    env: dict[str, str], *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``manage.py <args>`` with ``env``; output is captured, and a failure (with
    ``check``) raises with what it wrote to stderr."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result


_template: Path | None = None


def _migrated_sqlite(env: dict[str, str]) -> Path:
    """A SQLite file ``manage.py migrate`` made, once per test process (removed at exit)."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="chat-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        made = folder / "migrated.sqlite3"
        run_manage({**env, "DATABASE_URL": f"sqlite:///{made}"}, "migrate", "--no-input", "-v0")
        # Closed cleanly, the write-ahead log is folded into the file: it is whole alone.
        assert not made.with_name(made.name + "-wal").exists()
        _template = made
    return _template


@contextmanager
def running(server: LiveServer) -> Iterator[LiveServer]:
    """Start ``server`` for the block; then stop it and print its log (shown on failure)."""
    server.start()
    try:
        yield server
    finally:
        server.stop_showing_log()


@contextmanager
def two_processes(tmp_path: Path, redis_url: str) -> Iterator[list[LiveServer]]:
    """Two chat server processes sharing one SQLite file and the Redis at ``redis_url``,
    for the block; neither may die or log a traceback meanwhile."""
    env = {"REDIS_URL": redis_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.sqlite3'}"}
    servers = [LiveServer(tmp_path / f"server-{n}.sqlite3", env=env) for n in range(2)]
    with running(servers[0]), running(servers[1]):
        yield servers
        assert all(server.process.poll() is None for server in servers), "a server died"
    for server in servers:
        assert "Traceback" not in server.log_path.read_text()
