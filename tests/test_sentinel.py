"""``REDIS_URL`` naming a Sentinel-watched Redis: the spelling, the channel layer and the
cache it gives, and a live chat riding out its primary crashing (SIGKILL) and the
replica taking over. The Redis servers and the Sentinel are the test's own
(``tests/support/redis_servers.py``), on free ports."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from site import redis_urls

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from chat.broadcast import fanout
from chat.broadcast.layers import ResilientRedisChannelLayer
from tests.support.chat_client import RoomSocket, two_people_in_a_room
from tests.support.live_server import LiveServer, two_processes
from tests.support.redis_servers import SentinelGroup, require_redis_server
from tests.support.settings_probe import run_settings

# --- the spelling -----------------------------------------------------------------------


def test_a_sentinel_url_names_its_sentinels_service_database_and_passwords():
    service = redis_urls.parse_sentinel(
        "redis+sentinel://:s%40cret@10.0.0.1:26380,sentinel-b,[::1]:26381/chat/3"
        "?sentinel_password=guard"
    )

    assert service.sentinels == [("10.0.0.1", 26380), ("sentinel-b", 26379), ("::1", 26381)]
    assert (service.service, service.db) == ("chat", 3)
    assert (service.password, service.sentinel_password) == ("s@cret", "guard")


def test_the_database_is_0_unless_given():
    service = redis_urls.parse_sentinel("redis+sentinel://127.0.0.1:26379/chat/")

    assert (service.service, service.db, service.password) == ("chat", 0, None)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("redis+sentinel://127.0.0.1:26379", "the service name is missing"),
        ("redis+sentinel://127.0.0.1:26379/", "the service name is missing"),
        ("redis+sentinel:///chat", "a Sentinel address is empty"),
        ("redis+sentinel://a:1,,b:2/chat", "a Sentinel address is empty"),
        ("redis+sentinel://a:port/chat", "'port' is not a port"),
        ("redis+sentinel://a:70000/chat", "'70000' is not a port"),
        ("redis+sentinel://a:1/chat/zero", "the database 'zero' is not a number"),
        ("redis+sentinel://a:1/chat/0/1", "more than a service name and a database"),
        ("redis+sentinel://a:1/chat?db=2", "unknown option 'db'"),
        ("sentinel://a:26379/chat", "unknown scheme 'sentinel'"),
        ("127.0.0.1:6379", "unknown scheme"),
    ],
)
def test_a_misspelled_url_is_refused(url, why):
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL: ") as refused:
        redis_urls.channel_layer_host(url)

    assert why in str(refused.value)


def test_a_plain_url_is_passed_on_as_it_is():
    url = "redis://:pw@127.0.0.1:6379/7"

    assert redis_urls.channel_layer_host(url, socket_timeout=15) == {
        "address": url,
        "socket_timeout": 15,
    }
    assert redis_urls.cache(url)["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_a_misspelled_url_stops_start_up_in_one_line():
    result = run_settings("import manage; manage.main()", REDIS_URL="redis+sentinel://a:1")

    assert result.returncode == 1
    assert result.stderr == (
        "Cannot start the chat: REDIS_URL: the service name is missing "
        f"(expected redis://… or {redis_urls.SPELLING}).\n"
    )


# --- a live Sentinel ----------------------------------------------------------------------

#: Seconds to wait for anything but the failover itself.
TIMEOUT = 10


@pytest.fixture
def sentinel_group(tmp_path: Path) -> Iterator[SentinelGroup]:
    """A primary, its replica and a Sentinel of the test's own."""
    require_redis_server()
    group = SentinelGroup(tmp_path / "redis")
    try:
        group.start()
        yield group
    finally:
        group.stop()


SETTINGS_PROBE = """
import asyncio, manage, django
django.setup()
from channels.layers import get_channel_layer
from django.core.cache import caches
cache = caches["default"]

async def round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("room.1", channel)
    await layer.group_send("room.1", {"type": "chat.message", "id": 7})
    return (await asyncio.wait_for(layer.receive(channel), 5))["id"]

cache.set("probe", "cached", 60)
print(type(cache).__name__, cache.get("probe"), asyncio.run(round_trip()))
"""


@pytest.mark.redis
def test_settings_from_a_sentinel_url_give_a_working_layer_and_cache(sentinel_group):
    result = run_settings(SETTINGS_PROBE, REDIS_URL=sentinel_group.url(db=2))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["SentinelRedisCache", "cached", "7"]
    # Both went to the primary, in the database the URL names.
    primary = sentinel_group.primary.client(db=2)
    assert primary.exists(":1:probe")
    assert primary.keys("asgi:group:*") == [b"asgi:group:room.1"]


def cache_on(url: str):
    """The cache ``CACHES`` builds for ``url``, as site/settings.py configures it."""
    config = redis_urls.cache(url, socket_connect_timeout=1, socket_timeout=1)
    return import_string(config["BACKEND"])(config["LOCATION"], config)


@pytest.mark.redis
def test_the_cache_fails_quickly_while_no_primary_answers_then_uses_the_new_one(
    sentinel_group,
):
    cache = cache_on(sentinel_group.url())
    cache.set("limit", 1, 60)

    sentinel_group.kill_primary()
    started = time.monotonic()
    # The Sentinel still names the dead primary: the cache's users (chat.ratelimit,
    # chat.broadcast.presence) get an error at once and let the action through.
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.incr("limit")
    assert time.monotonic() - started < 2

    sentinel_group.await_failover()
    # The count was on the replica, now the primary, and the cache writes there.
    assert cache.incr("limit") == 2
    assert sentinel_group.replica.client().get(":1:limit") == b"2"


@pytest.mark.redis
async def test_a_process_hears_its_rooms_again_on_a_new_primary_that_lacks_them(
    sentinel_group,
):
    host = redis_urls.channel_layer_host(sentinel_group.url(), socket_timeout=15)
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    sender, receiver = (ResilientRedisChannelLayer(hosts=[host], prefix=prefix) for _ in "ab")
    channel = await receiver.new_channel()
    group = fanout.room_group(1)
    await receiver.group_add(group, channel)
    await sender.group_send(group, {"type": "chat.message", "id": 1})
    assert (await asyncio.wait_for(receiver.receive(channel), TIMEOUT))["id"] == 1
    # Replication is asynchronous: the replica may lack the newest memberships when the
    # primary dies. Here it lacks this one (its marker key did get there).
    replica = sentinel_group.replica.client()
    sentinel_group.primary.client().wait(1, 5000)
    replica.config_set("replica-read-only", "no")
    replica.delete(f"{prefix}:group:{group}")
    recovered = asyncio.Event()
    receiver.on_recovery(recovered.set)
    listening = asyncio.create_task(receiver.receive(channel))

    await asyncio.to_thread(sentinel_group.kill_primary)
    await asyncio.to_thread(sentinel_group.await_failover)
    await asyncio.wait_for(recovered.wait(), TIMEOUT)
    await sender.group_send(group, {"type": "chat.message", "id": 2})

    assert (await asyncio.wait_for(listening, TIMEOUT))["id"] == 2
    for layer in (sender, receiver):
        await layer.close_pools()


@pytest.fixture
def two_processes_on_sentinel(tmp_path: Path, sentinel_group: SentinelGroup):
    """Two chat server processes sharing one SQLite file and the Sentinel-watched Redis."""
    with two_processes(tmp_path, sentinel_group.url()) as servers:
        yield servers


@pytest.mark.redis
@pytest.mark.timeout(60)
def test_a_live_chat_rides_out_its_primary_crashing(
    two_processes_on_sentinel, sentinel_group, tmp_path
):
    promoted, caught_up = asyncio.run(_failover(two_processes_on_sentinel, sentinel_group))
    print(
        f"the Sentinel promoted the replica {promoted:.1f} s after the primary died; "
        f"the other page had the message sent meanwhile after {caught_up:.1f} s"
    )

    with sqlite3.connect(tmp_path / "chat.sqlite3") as database:
        stored = database.execute("SELECT body, COUNT(*) FROM chat_message GROUP BY body")
        assert dict(stored.fetchall()) == {"before": 1, "during": 1, "after": 1}


async def _failover(servers: list[LiveServer], group: SentinelGroup) -> tuple[float, float]:
    """Chat across a failover; the seconds from the crash to the promotion, and to the
    listening page having the message sent in between."""
    # Talking through one process, listening through the other: every message crosses Redis.
    talking, listening = await two_people_in_a_room("Ops", servers[0].url, servers[1].url)
    await talking.send_message("before")
    await listening.wait_for(lambda s: "before" in s.page.messages.values(), TIMEOUT)

    await asyncio.to_thread(group.kill_primary)
    killed_at = time.monotonic()
    await talking.send_message("during")
    # Stored and answered while no primary answers (limits let it through).
    await talking.wait_for(lambda s: "during" in s.page.messages.values(), TIMEOUT)
    promoted = await asyncio.to_thread(group.await_failover)

    # The listener's process rejoins its rooms on the new primary and sends its sockets
    # what they missed; then live delivery is back, on the same socket (no reload).
    await listening.wait_for(lambda s: "during" in s.page.messages.values(), TIMEOUT)
    caught_up = time.monotonic() - killed_at
    await talking.send_message("after")
    await listening.wait_for(lambda s: "after" in s.page.messages.values(), TIMEOUT)
    assert sorted(listening.page.messages.values()) == ["after", "before", "during"]

    # A page opened now, resuming from nothing, shows each message once.
    fresh = RoomSocket(listening.browser, listening.path)
    await fresh.open()
    await fresh.wait_for(lambda s: len(s.page.messages) >= 3, TIMEOUT)
    assert sorted(fresh.page.messages.values()) == ["after", "before", "during"]
    await asyncio.gather(talking.close(), listening.close(), fresh.close())
    return promoted, caught_up


TASKS_PROBE = """
import manage, django
django.setup()
from huey.contrib.djhuey import HUEY
HUEY.storage.enqueue(b"probe")
print(type(HUEY).__name__, HUEY.storage.queue_size())
"""


@pytest.mark.redis
def test_the_task_queue_follows_a_sentinel_url_to_the_primary(sentinel_group):
    result = run_settings(TASKS_PROBE, REDIS_URL=sentinel_group.url(db=3), CHAT_TASKS_IMMEDIATE="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisHuey", "1"]
    assert sentinel_group.primary.client(db=3).llen("huey.redis.chat") == 1
