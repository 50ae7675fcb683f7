"""The channel layers (``chat.broadcast.layers``): Redis as two server processes use it, and the
in-memory layer keeping a stalled process's groups."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from channels.layers import InMemoryChannelLayer

from chat.broadcast import events, fanout
from chat.broadcast.layers import KeepGroupsInMemoryChannelLayer, ResilientRedisChannelLayer
from tests.support.net import free_port

TIMEOUT = 3


# --- Redis -------------------------------------------------------------------------------


@pytest.fixture
async def two_processes_layers(redis_url: str):
    """Two independent layer instances sharing one Redis, as two server processes have."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    layers = [ResilientRedisChannelLayer(hosts=[redis_url], prefix=prefix) for _ in range(2)]
    yield layers
    for layer in layers:
        await layer.flush()
        await layer.close_pools()


@pytest.mark.redis
async def test_room_message_crosses_from_one_process_to_the_other(two_processes_layers):
    sender, receiver = two_processes_layers
    group = fanout.room_group(42)
    channel = await receiver.new_channel()
    await receiver.group_add(group, channel)
    event = events.message(42, 1, 1, None, '<div id="messages">…</div>')

    await sender.group_send(group, event)

    assert await receiver.receive(channel) == event


@pytest.mark.redis
async def test_other_groups_do_not_receive(two_processes_layers):
    sender, receiver = two_processes_layers
    channel = await receiver.new_channel()
    await receiver.group_add(fanout.room_group(1), channel)

    await sender.group_send(fanout.room_group(2), events.message(2, 2, 2, None, ""))
    await sender.group_send(fanout.room_group(1), events.message(1, 3, 3, None, ""))

    assert (await receiver.receive(channel))["id"] == 3


# --- in memory ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer_class", "still_hears"),
    [(KeepGroupsInMemoryChannelLayer, True), (InMemoryChannelLayer, False)],
    ids=["ours", "channels-own"],
)
async def test_an_expired_event_does_not_leave_a_process_deaf(
    layer_class, still_hears, monkeypatch
):
    layer = layer_class(expiry=60)
    channel = await layer.new_channel()  # one process's listener
    await layer.group_add("room.1", channel)
    await layer.group_send("room.1", events.message(1, 1, 1, None, ""))
    # The process's loop stalled for over a minute: that event expired unread.
    later = time.time() + 61
    monkeypatch.setattr("channels.layers.time.time", lambda: later)

    await layer.group_send("room.1", events.message(1, 2, 2, None, ""))

    assert (channel in layer.groups.get("room.1", {})) is still_hears
    if still_hears:
        assert (await asyncio.wait_for(layer.receive(channel), TIMEOUT))["id"] == 2


async def test_a_backup_left_uncleaned_while_redis_is_down_is_logged_not_raised(caplog):
    # channels-redis cleans a received message's backup on a task it never awaits: an
    # error there reached asyncio's "Task exception was never retrieved" and a traceback.
    layer = ResilientRedisChannelLayer(hosts=[f"redis://127.0.0.1:{free_port()}/0"])
    try:
        await layer._clean_receive_backup(0, "specific.abc!def")
    finally:
        await layer.close_pools()

    assert "a received message's backup was kept" in caplog.text
