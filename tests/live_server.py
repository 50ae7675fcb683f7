"""A real chat server in a child process: ``manage.py serve`` (daphne) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """Start, stop and restart the chat on one port with one database file."""

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
            "DJANGO_DEBUG": "1",
            **(env or {}),
        }
        self.serve_args = serve_args
        self.process: subprocess.Popen | None = None
        self.log_path = database_path.with_suffix(".log")
        self._manage("migrate", "--no-input", "-v0")

    def _manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=self.env, check=True)

    def start(self, timeout: float = 20) -> None:
        """Start daphne and wait until /healthz answers."""
        log = open(self.log_path, "a")  # noqa: SIM115 - the child keeps writing to it
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
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.05)  # polling a port that is not open yet; no event to await
        raise RuntimeError(f"server did not answer in {timeout} s: {self.log_path.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server process (SIGTERM by default, SIGKILL for a crash)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port and database."""
        self.stop()
        self.start()
