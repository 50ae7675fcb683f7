"""The per-process fan-out: one channel per process, events handed to local sockets."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from chat.broadcast import events
from chat.broadcast.fanout import Fanout, fanout
from chat.broadcast.fanout import event as socket_event
from chat.broadcast.layers import KeepGroupsInMemoryChannelLayer

TIMEOUT = 3


class FakeSocket:
    """Records the events its handlers are called with."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.got: list[dict] = []
        self.arrived = asyncio.Event()

    async def chat_message(self, event: dict) -> None:
        self.got.append(event)
        self.arrived.set()


class BrokenSocket(FakeSocket):
    async def chat_message(self, event: dict) -> None:
        raise RuntimeError("this socket is broken")


def members(layer: InMemoryChannelLayer, group: str) -> set[str]:
    return set(layer.groups.get(group, {}))


@pytest.fixture
def layer() -> InMemoryChannelLayer:
    return InMemoryChannelLayer()


async def test_one_channel_per_process_joins_each_group_once(layer):
    hub = Fanout(layer)
    sockets = [FakeSocket(str(n)) for n in range(5)]
    await asyncio.gather(*(hub.attach(s, ["room.1", "user.7"]) for s in sockets))

    assert members(layer, "room.1") == {hub.channel_name}
    assert members(layer, "user.7") == {hub.channel_name}
    hub.close()


async def test_an_event_reaches_every_local_socket_of_its_group_only(layer):
    hub = Fanout(layer)
    lunch = [FakeSocket("a"), FakeSocket("b")]
    elsewhere = FakeSocket("c")
    for socket in lunch:
        await hub.attach(socket, ["room.1"])
    await hub.attach(elsewhere, ["room.2"])

    event = socket_event("room.1", events.MESSAGE, id=1, html="<p>hi</p>")
    await layer.group_send("room.1", event)
    # Events are handled in order: once the next one has reached room 2, the first is done.
    later = socket_event("room.2", events.MESSAGE, id=2, html="<p>there</p>")
    await layer.group_send("room.2", later)
    await asyncio.wait_for(elsewhere.arrived.wait(), TIMEOUT)

    assert [s.got for s in lunch] == [[event], [event]]
    assert lunch[0].got[0]["html"] is lunch[1].got[0]["html"]  # one string for all
    assert elsewhere.got == [later]
    hub.close()


async def test_events_keep_their_order(layer):
    hub = Fanout(layer)
    socket = FakeSocket("a")
    await hub.attach(socket, ["room.1"])
    for number in range(50):
        await layer.group_send("room.1", socket_event("room.1", events.MESSAGE, id=number))
    while len(socket.got) < 50:
        socket.arrived.clear()
        await asyncio.wait_for(socket.arrived.wait(), TIMEOUT)

    assert [e["id"] for e in socket.got] == list(range(50))
    hub.close()


async def test_a_broken_socket_does_not_cost_the_others_their_message(layer, caplog):
    hub = Fanout(layer)
    broken, fine = BrokenSocket("x"), FakeSocket("y")
    await hub.attach(broken, ["room.1"])
    await hub.attach(fine, ["room.1"])

    await layer.group_send("room.1", socket_event("room.1", events.MESSAGE, id=1))
    await asyncio.wait_for(fine.arrived.wait(), TIMEOUT)

    assert len(fine.got) == 1
    assert "this socket is broken" in caplog.text
    hub.close()


class PrivateSocket(FakeSocket):
    async def _private(self, event: dict) -> None:
        self.got.append(event)


async def test_an_event_naming_a_private_method_reaches_no_socket(layer, caplog):
    # Channels' handler naming refuses a type with a leading underscore (``get_handler_name``).
    hub = Fanout(layer)
    socket = PrivateSocket("a")
    await hub.attach(socket, ["room.1"])

    await hub.dispatch(socket_event("room.1", "_private"))
    await hub.dispatch(socket_event("room.1", events.MESSAGE, id=1))

    assert [event["type"] for event in socket.got] == [events.MESSAGE]
    assert "dropped an event of type '_private'" in caplog.text
    hub.close()


async def test_the_last_socket_out_leaves_the_group(layer):
    hub = Fanout(layer)
    first, second = FakeSocket("a"), FakeSocket("b")
    await hub.attach(first, ["room.1", "user.1"])
    await hub.attach(second, ["room.1", "user.2"])

    await hub.detach(first, ["room.1", "user.1"])
    assert members(layer, "room.1") == {hub.channel_name}
    assert members(layer, "user.1") == set()

    await hub.detach(second, ["room.1", "user.2"])
    assert members(layer, "room.1") == set()
    assert hub.members == {}
    hub.close()


async def test_a_socket_arriving_while_the_last_one_leaves_stays_joined(layer):
    hub = Fanout(layer)
    leaving, arriving = FakeSocket("a"), FakeSocket("b")
    await hub.attach(leaving, ["room.1"])
    discard_started = asyncio.Event()
    release = asyncio.Event()
    real_discard = layer.group_discard

    async def slow_discard(group: str, channel: str) -> None:
        discard_started.set()
        await release.wait()
        await real_discard(group, channel)

    layer.group_discard = slow_discard
    real_join = hub._join
    joining = asyncio.Event()

    async def noted_join(group: str) -> None:
        joining.set()  # no await before the lock: once this is seen, the join waits on it
        await real_join(group)

    hub._join = noted_join
    detaching = asyncio.create_task(hub.detach(leaving, ["room.1"]))
    await discard_started.wait()
    attaching = asyncio.create_task(hub.attach(arriving, ["room.1"]))
    await joining.wait()
    release.set()
    await asyncio.gather(detaching, attaching)

    assert members(layer, "room.1") == {hub.channel_name}
    await layer.group_send("room.1", socket_event("room.1", events.MESSAGE, id=1))
    await asyncio.wait_for(arriving.arrived.wait(), TIMEOUT)
    hub.close()


async def test_an_unreachable_layer_refuses_the_socket_and_forgets_it(layer):
    hub = Fanout(layer)
    await hub._start()

    async def down(group: str, channel: str) -> None:
        raise ConnectionError("layer down")

    layer.group_add = down
    with pytest.raises(ConnectionError):
        await hub.attach(FakeSocket("a"), ["room.1"])
    assert hub.members == {}
    hub.close()


async def test_memberships_are_renewed_before_the_layer_forgets_them():
    layer = InMemoryChannelLayer(group_expiry=3)  # renewed every second
    hub = Fanout(layer)
    await hub.attach(FakeSocket("a"), ["room.1"])
    renewed = asyncio.Event()
    real_add = layer.group_add

    async def noted_add(group: str, channel: str) -> None:
        await real_add(group, channel)
        if (group, channel) == ("room.1", hub.channel_name):
            renewed.set()

    layer.group_add = noted_add
    await asyncio.wait_for(renewed.wait(), TIMEOUT)
    hub.close()


async def test_each_event_loop_has_its_own_fanout_on_the_current_layer(settings):
    first = fanout()
    assert fanout() is first
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    second = fanout()
    assert second is not first
    assert second.layer is not first.layer


class RecoveringLayer(KeepGroupsInMemoryChannelLayer):
    """An in-memory layer that can say it was cut off and is back, as the Redis one does."""

    def __init__(self) -> None:
        super().__init__()
        self.listeners = []

    def on_recovery(self, callback) -> None:
        self.listeners.append(callback)


class ResyncingSocket(FakeSocket):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.resynced = asyncio.Event()

    async def resync(self) -> None:
        self.resynced.set()


async def test_every_local_socket_resyncs_once_the_layer_is_back():
    layer = RecoveringLayer()
    hub = Fanout(layer)
    sockets = [ResyncingSocket("a"), ResyncingSocket("b")]
    await hub.attach(sockets[0], ["room.1", "user.1"])
    await hub.attach(sockets[1], ["room.2", "user.2"])

    for callback in layer.listeners:
        callback()

    await asyncio.wait_for(asyncio.gather(*(socket.resynced.wait() for socket in sockets)), TIMEOUT)
    hub.close()


async def test_in_memory_the_sockets_have_an_event_when_its_sending_is_over():
    # The sender goes on (its acknowledgement, its notifications) only after this process's
    # listener has handed the event to its sockets.
    layer = KeepGroupsInMemoryChannelLayer()
    hub = Fanout(layer)
    socket = FakeSocket("a")
    await hub.attach(socket, ["room.1"])

    event = socket_event("room.1", events.MESSAGE, id=1, html="<p>hi</p>")
    await layer.group_send("room.1", event)

    assert socket.got == [event]
    hub.close()


async def test_in_memory_a_full_channel_is_skipped_and_the_others_get_the_event():
    layer = KeepGroupsInMemoryChannelLayer(capacity=1)
    await layer.group_add("room.1", "full.inmemory!a")
    await layer.group_add("room.1", "free.inmemory!b")
    await layer.send("full.inmemory!a", {"type": "chat.message", "id": 0})

    await layer.group_send("room.1", {"type": "chat.message", "id": 1})

    assert (await layer.receive("full.inmemory!a"))["id"] == 0
    assert (await layer.receive("free.inmemory!b"))["id"] == 1
    assert layer.channels == {}  # nothing else was queued
