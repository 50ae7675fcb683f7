"""Redis servers of a test's own, on free loopback ports: one alone, or a primary, its
replica and a Sentinel watching them (``redis-server --sentinel``, no other binary)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from tests.support.net import free_port
from tests.support.required import require

#: The name the Sentinel knows the primary by (``redis+sentinel://…/<SERVICE>``).
SERVICE = "chat"


def require_redis_server() -> None:
    """Fail (CI) or skip (elsewhere) without the ``redis-server`` binary."""
    require(None if shutil.which("redis-server") else "redis-server is not installed")


class RedisProcess:
    """A Redis server of the test's own, on its own port, that can be stopped and started."""

    def __init__(self, directory: Path, *options: str, sentinel: bool = False) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.options = options
        self.sentinel = sentinel
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and return once it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.sentinel:
            # A Sentinel rewrites its configuration file as it learns: it must have one.
            config = self.directory / "sentinel.conf"
            config.write_text("\n".join(self.options) + "\n")
            command = ["redis-server", str(config), "--sentinel"]
        else:
            command = ["redis-server", "--save", "", "--appendonly", "no", *self.options]
        self.process = subprocess.Popen(
            [
                *command,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = self.client(socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)  # polling a port until it opens: there is no event to await
        raise RuntimeError("redis-server did not start")

    def client(self, **options) -> redis.Redis:
        """A client talking to this server."""
        return redis.Redis(host="127.0.0.1", port=self.port, **options)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server (SIGKILL for a crash: no goodbye to replicas or Sentinels)."""
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
            self.process = None


class SentinelGroup:
    """A primary, one replica of it and one Sentinel that fails over quickly."""

    def __init__(self, directory: Path) -> None:
        # A replica's first sync waits 5 s by default, for more replicas to share it.
        self.primary = RedisProcess(directory / "primary", "--repl-diskless-sync-delay", "0")
        self.replica = RedisProcess(directory / "replica")
        self.replica.options = ("--replicaof", "127.0.0.1", str(self.primary.port))
        self.sentinel = RedisProcess(
            directory / "sentinel",
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary.port} 1",
            # Down after half a second without an answer; a failover that stalls is
            # retried after two seconds (the defaults, 30 s and 3 min, suit a network).
            f"sentinel down-after-milliseconds {SERVICE} 500",
            f"sentinel failover-timeout {SERVICE} 2000",
            sentinel=True,
        )

    def url(self, db: int = 0) -> str:
        """``REDIS_URL`` naming this group's service through its Sentinel."""
        return f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{SERVICE}/{db}"

    def start(self, timeout: float = 15) -> None:
        """Start all three; return once the Sentinel knows the replica is in sync."""
        for server in (self.primary, self.replica, self.sentinel):
            server.start()
        sentinel = self.sentinel.client(decode_responses=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # The Sentinel learns of replicas from the primary's INFO: nothing to await.
            replicas = sentinel.sentinel_slaves(SERVICE)
            if any(
                r["port"] == self.replica.port and r["master-link-status"] == "ok" for r in replicas
            ):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the Sentinel did not see the replica in {timeout} s")

    def stop(self) -> None:
        """Stop whatever still runs."""
        for server in (self.sentinel, self.replica, self.primary):
            server.stop()

    def kill_primary(self) -> None:
        """SIGKILL the primary once the replica has everything written so far."""
        self.primary.client().wait(1, 5000)
        self._announcements = self.sentinel.client(decode_responses=True).pubsub()
        self._announcements.subscribe("+switch-master")
        self._announcements.get_message(timeout=1)  # the subscription's confirmation
        self._killed_at = time.monotonic()
        self.primary.stop(signal.SIGKILL)

    def await_failover(self, timeout: float = 20) -> float:
        """Wait for the Sentinel to announce the replica as the new primary; the seconds
        from the kill to the announcement."""
        deadline = self._killed_at + timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                message = self._announcements.get_message(
                    ignore_subscribe_messages=True, timeout=left
                )
                if message is not None:
                    # "<service> <old ip> <old port> <new ip> <new port>"
                    assert message["data"].split()[-1] == str(self.replica.port), message
                    return time.monotonic() - self._killed_at
        finally:
            self._announcements.close()
        raise AssertionError(f"no failover within {timeout} s")
