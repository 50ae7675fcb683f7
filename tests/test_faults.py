"""Faults a chat must ride out: Redis stopping under a live server, a failing database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chat_client import two_people_in_a_room
from tests.support.live_server import LiveServer, running, two_processes
from tests.support.redis_servers import RedisProcess, require_redis_server

pytestmark = [pytest.mark.redis, pytest.mark.timeout(180)]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    require_redis_server()
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chat_on_own_redis(tmp_path: Path, own_redis: RedisProcess) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "chat.sqlite3", env={"REDIS_URL": own_redis.url})
    with running(live):
        yield live
        assert live.process.poll() is None, "the server died"
    assert "Traceback" not in live.log_path.read_text()


@pytest.fixture
def two_processes_on_own_redis(tmp_path: Path, own_redis: RedisProcess):
    """Two server processes sharing one SQLite file and the test's own Redis."""
    with two_processes(tmp_path, own_redis.url) as servers:
        yield servers


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
    # Live delivery is back with the first message, and the listener's page has what it
    # missed too (its process resyncs its sockets once Redis answers again).
    await talking.send_message("after")
    await listening.wait_for(
        lambda s: sorted(s.page.messages.values()) == ["after", "before", "during"], 10
    )
    await asyncio.gather(talking.close(), listening.close())


def test_the_first_message_after_each_redis_restart_is_live(two_processes_on_own_redis, own_redis):
    asyncio.run(_restarts(two_processes_on_own_redis, own_redis))


async def _restarts(servers: list[LiveServer], own_redis: RedisProcess) -> None:
    # Talking through one process, listening through the other: every message crosses Redis.
    talking, listening = await two_people_in_a_room("Ops", servers[0].url, servers[1].url)
    await talking.send_message("before")
    await listening.wait_for(lambda s: "before" in s.page.messages.values(), 10)

    for restart in range(4):
        own_redis.stop()
        own_redis.start()  # answers PING when this returns
        said = f"first after restart {restart}"

        await talking.send_message(said)

        try:
            await listening.wait_for(lambda s, said=said: said in s.page.messages.values(), 5)
        except TimeoutError:
            raise AssertionError(f"{said!r} did not reach the other process within 5 s") from None
    await asyncio.gather(talking.close(), listening.close())
