"""The Redis channel layer against the real Redis, as two server processes would use it."""

from __future__ import annotations

import os
import uuid

import pytest
from channels_redis.core import RedisChannelLayer

from chat import services
from tests.required import require

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def _redis_is_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.fixture(scope="module", autouse=True)
def require_redis():
    require(None if _redis_is_up() else f"Redis is not reachable at {REDIS_URL}")


@pytest.fixture
async def two_processes_layers():
    """Two independent layer instances sharing one Redis, as two server processes have."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    layers = [RedisChannelLayer(hosts=[REDIS_URL], prefix=prefix) for _ in range(2)]
    yield layers
    for layer in layers:
        await layer.flush()
        await layer.close_pools()


async def test_room_message_crosses_from_one_process_to_the_other(two_processes_layers):
    sender, receiver = two_processes_layers
    group = services.room_group(42)
    channel = await receiver.new_channel()
    await receiver.group_add(group, channel)
    event = {"type": "chat.message", "id": 1, "html": '<div id="messages">…</div>'}

    await sender.group_send(group, event)

    assert await receiver.receive(channel) == event


async def test_other_groups_do_not_receive(two_processes_layers):
    sender, receiver = two_processes_layers
    channel = await receiver.new_channel()
    await receiver.group_add(services.room_group(1), channel)

    await sender.group_send(services.room_group(2), {"type": "chat.message", "id": 2, "html": ""})
    await sender.group_send(services.room_group(1), {"type": "chat.message", "id": 3, "html": ""})

    assert (await receiver.receive(channel))["id"] == 3
