"""The chat's events: their groups, their format, the one way to send them, and each
process's one listener on the channel layer that hands them to its own sockets.

**Sending.** Services never build channel-layer messages: ``chat.broadcast.events``
builds each kind, for a group named here (:func:`room_group`, :func:`user_group`), and
hands it to :func:`send` (from sync code) or :func:`asend` (from async code). Both return
whether the layer took the event; a failure is logged, never raised, because what the
event announces is already stored and pages catch up when they resume.

**Receiving: one channel per process, not per socket.** Channels' usual design gives
every socket a channel of its own: a message to a room of N sockets becomes N
channel-layer messages, N consumer wake-ups and N dispatches, each dispatch with a trip to
the database thread (``aclose_old_connections``). That per-socket work is most of the cost
of a busy room. Here a process has one channel, joined to the groups of the rooms and
people its open sockets belong to; an event reaching it goes to the handler of each local
socket in that group, named as Channels names handlers (``chat.message`` →
``chat_message``), in the order the events arrived. The channel layer carries one copy
per process, and the frame inside it, rendered once, reaches every socket as the same
string.

Every event names its group in ``event["group"]``, so the listener knows whose it is. A
group is joined when the process's first socket in it opens and left when its last one
closes; memberships are renewed every third of the layer's ``group_expiry``, since the
layer forgets them after that.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.layers import BaseChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

#: After an unexpected error in the receive loop, wait this long before receiving again.
RETRY_SECONDS = 1.0


#: The group every lobby page listens on (new public rooms).
LOBBY_GROUP = "lobby"
_ROOM = "room."


def room_group(room_id: int) -> str:
    """The group every socket of a room listens on."""
    return f"{_ROOM}{room_id}"


def room_of(group: str) -> int | None:
    """The room whose group ``group`` is (:func:`room_group` undone); None for another group."""
    return int(group[len(_ROOM) :]) if group.startswith(_ROOM) else None


def user_group(user_id: int) -> str:
    """The group every socket of one person listens on, whatever room it is in."""
    return f"user.{user_id}"


def event(group: str, kind: str, **fields: object) -> dict:
    """A channel-layer event of type ``kind`` for the sockets of ``group``; it names its group.
    Only ``chat.broadcast.events`` calls this: it names every kind."""
    return {"type": kind, "group": group, **fields}


async def asend(event: dict) -> bool:
    """Hand ``event`` to the channel layer (async callers); False, logged, if it could not."""
    kind, group = event["type"], event["group"]
    try:
        await get_channel_layer().group_send(group, event)
    except Exception as error:
        # What the event announces is stored; pages catch up when they resume.
        logger.warning("could not send %s to %s (%r); pages will catch up", kind, group, error)
        return False
    return True


def send(event: dict) -> bool:
    """Hand ``event`` to the channel layer (sync callers); False, logged, if it could not."""
    return async_to_sync(asend)(event)


async def _this_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop serving this process's sockets, if there is one.

    Work finished on a thread of a pool (a bot's answer, a link's preview) is sent from
    there: channel layers (the in-memory one above all) may only be used from their own
    loop, never from another thread. A sync view under the ASGI server runs in a thread of
    that loop's, and ``async_to_sync`` runs a coroutine on it; with no server (a script, a
    sync test) it makes a loop of its own and closes it.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    loop = async_to_sync(_this_loop)()
    return loop if loop.is_running() else None


#: A socket is anything with an async handler per event type it is sent (a consumer).
Socket = object
#: A part of a process's live state, built from its fan-out and closed with it.
Part = TypeVar("Part")


class Fanout:
    """The sockets of one process, by group, behind one channel of the layer."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel_name: str | None = None
        self.members: dict[str, set[Socket]] = defaultdict(set)
        self.joined: set[str] = set()
        self._membership = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []
        self.observers: dict[str, list[Callable[[dict], Awaitable[None]]]] = defaultdict(list)
        self._parts: dict[type, object] = {}
        if hasattr(layer, "on_recovery"):
            layer.on_recovery(self._resync_soon)

    async def attach(self, socket: Socket, groups: list[str]) -> None:
        """Deliver the events of ``groups`` to ``socket`` from now on.

        Joins the layer's groups this process is not in yet; if the layer cannot be
        reached the socket is detached again and the error raised.
        """
        await self._start()
        for group in groups:
            self.members[group].add(socket)
        try:
            for group in groups:
                await self._join(group)
        except BaseException:
            await self.detach(socket, groups)
            raise

    async def detach(self, socket: Socket, groups: list[str]) -> None:
        """Stop delivering to ``socket``; leave the groups no other local socket needs."""
        for group in groups:
            sockets = self.members.get(group)
            if sockets is not None:
                sockets.discard(socket)
                if not sockets:
                    del self.members[group]
                    await self._leave(group)

    def observe(self, kind: str, callback: Callable[[dict], Awaitable[None]]) -> None:
        """Have ``callback`` see every ``kind`` event this process receives, once, before
        its sockets do (the process's own state: who is typing, who is here)."""
        self.observers[kind].append(callback)

    async def dispatch(self, event: dict) -> None:
        """Show ``event`` to this process's observers of its kind, then hand it to the
        handler of every local socket in its group that has one (``a.b`` → ``a_b``, by
        Channels' ``get_handler_name``, which refuses a type naming a private method)."""
        try:
            handler_name = get_handler_name(event)
        except ValueError:
            logger.warning("dropped an event of type %r: no handler is named so", event.get("type"))
            return
        for callback in self.observers.get(event["type"], ()):
            try:
                await callback(event)
            except Exception:
                logger.exception("an observer of %s failed", event["type"])
        for socket in list(self.members.get(event.get("group", ""), ())):
            handler = getattr(socket, handler_name, None)
            if handler is None:
                continue  # a kind of socket that takes no such event (the lobby's, a room's)
            try:
                await handler(event)
            except Exception:
                # One broken socket must not cost the others their message.
                logger.exception("a socket failed to handle %s", event["type"])

    async def deliver(self, event: dict) -> None:
        """Hand ``event`` to this process's own sockets of its group only (no channel layer):
        for what each process works out for itself, such as the end of someone's typing."""
        await self.dispatch(event)

    def local_rooms(self) -> list[int]:
        """The rooms some socket of this process is in."""
        return [room for room in map(room_of, self.members) if room is not None]

    async def _start(self) -> None:
        if self.channel_name is not None:
            return
        async with self._membership:
            if self.channel_name is None:
                channel = await self.layer.new_channel()
                self._tasks = [
                    asyncio.create_task(self._listen(channel)),
                    asyncio.create_task(self._renew_periodically()),
                ]
                self.channel_name = channel

    async def _join(self, group: str) -> None:
        if group in self.joined:
            return
        async with self._membership:
            # Sockets that arrived while another joined wait here, then find it done.
            if group not in self.joined:
                await self.layer.group_add(group, self.channel_name)
                self.joined.add(group)

    async def _leave(self, group: str) -> None:
        async with self._membership:
            if group in self.members or group not in self.joined:
                return  # a socket joined again meanwhile, or it was never joined
            # Forget it first: a socket arriving during the discard joins afresh.
            self.joined.discard(group)
            try:
                await self.layer.group_discard(group, self.channel_name)
            except Exception:
                # Left only locally: the layer drops the membership at group_expiry.
                logger.warning("could not leave group %s", group, exc_info=True)

    async def _listen(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("channel layer receive failed; retrying")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self.dispatch(event)

    async def _renew_periodically(self) -> None:
        # The layer forgets a group member after group_expiry; a process whose sockets
        # stay open longer would go deaf without a word. Joining again renews it.
        interval = max(1.0, getattr(self.layer, "group_expiry", 86400) / 3)
        while True:
            await asyncio.sleep(interval)
            for group in list(self.joined):
                try:
                    await self.layer.group_add(group, self.channel_name)
                except Exception:  # the layer is down; the next round tries again
                    logger.warning("could not renew group %s", group, exc_info=True)
                    break

    def _resync_soon(self) -> None:
        # The layer was unreachable and is back: events sent meanwhile reached nobody here.
        self._tasks.append(asyncio.get_running_loop().create_task(self.resync()))

    async def resync(self) -> None:
        """Ask every local socket to send its page what changed while events were lost."""
        sockets = {socket for group in self.members.values() for socket in group}
        for socket in sockets:
            try:
                await socket.resync()
            except Exception:
                logger.exception("a socket failed to resync")

    def part(self, kind: type[Part]) -> Part:
        """This process's one ``kind`` (who is typing, who is here), made on first use from
        this fan-out and kept with it: a new event loop or layer gets new ones."""
        found = self._parts.get(kind)
        if found is None:
            found = self._parts[kind] = kind(self)
        return found

    def close(self) -> None:
        """Stop listening (the layer or the event loop is being replaced)."""
        for task in self._tasks:
            task.cancel()
        for found in self._parts.values():
            found.close()


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = weakref.WeakKeyDictionary()


def fanout() -> Fanout:
    """The fan-out of the running event loop, on the current default channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _fanouts.get(loop)
    if current is None or current.layer is not layer:
        if current is not None:
            current.close()
        current = _fanouts[loop] = Fanout(layer)
    return current
