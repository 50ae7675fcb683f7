"""Faults a chat must ride out: Redis stopping under a live server, a failing database."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.chat_client import two_people_in_a_room
from tests.live_server import LiveServer, free_port
from tests.required import require

pytestmark = [pytest.mark.redis, pytest.mark.timeout(180)]


class RedisProcess:
    """A Redis server of the test's own, on its own port, that can be stopped and started."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)  # polling a port until it opens: there is no event to await
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    require(None if shutil.which("redis-server") else "redis-server is not installed")
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chat_on_own_redis(tmp_path: Path, own_redis: RedisProcess) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "chat.sqlite3", env={"REDIS_URL": own_redis.url})
    live.start()
    yield live
    alive = live.process is not None and live.process.poll() is None
    live.stop()
    log = live.log_path.read_text()
    assert alive, log
    assert "Traceback" not in log, log


def test_redis_outage_stores_shows_and_catches_up(chat_on_own_redis, own_redis):
    asyncio.run(_outage(chat_on_own_redis, own_redis))


async def _outage(server: LiveServer, own_redis: RedisProcess) -> None:
    talking, listening = await two_people_in_a_room("Ops", server.url, server.url)
    await talking.send_message("before")
    await listening.wait_for(lambda s: "before" in s.page.messages.values(), 10)

    own_redis.stop()
    await talking.send_message("during")

    # Stored, and the sender sees it at once, with word that others will get it later.
    await talking.wait_for(lambda s: "during" in s.page.messages.values(), 10)
    assert "during" not in listening.page.messages.values()

    own_redis.start()
    # Live delivery comes back by itself: keep talking until the listener hears it.
    said = ["before", "during"]
    for n in range(40):
        said.append(f"after {n}")
        await talking.send_message(said[-1])
        try:
            await listening.wait_for(lambda s: said[-1] in s.page.messages.values(), 0.5)
            break
        except TimeoutError:
            continue
    else:
        raise AssertionError("live delivery did not come back after Redis restarted")

    # The listener's page fills the gap (it resumes when revisions skip).
    await listening.wait_for(lambda s: sorted(s.page.messages.values()) == sorted(said), 10)
    await asyncio.gather(talking.close(), listening.close())
