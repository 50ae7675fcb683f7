"""Who is here: a person is online while a socket of theirs is open anywhere (a room or the
lobby, in any server process), and every room's members list shows it, live.

**Heartbeats in the cache.** Each process writes ``presence:<user>:<process>`` for the
people it holds a socket of, and ``presence:process:<process>``, both expiring after
``CHAT_PRESENCE_SECONDS``, and writes them again every third of that. A process killed
with -9 writes nothing more: its entries expire and its people go offline on every page
within that time (plus a sweep), with nobody having to notice the crash. The processes
are listed under ``presence:processes``; someone is online if any listed process has an
entry for them. With ``REDIS_URL`` the cache is Redis, shared by every process.

**A cap on sockets.** A person's entry holds how many sockets that process holds of
theirs; their sum over the live processes is kept to ``CHAT_SOCKETS_PER_PERSON``, and a
socket past it is refused (one person's script must not hold thousands). A crashed
process's count expires with its entry.

**Coalesced, rendered once.** When a person's first socket in this process opens, or
their last one closes, the rooms they belong to are marked; every ``FLUSH_SECONDS`` the
process renders each marked room's members list once and, if it differs from the last
list any process sent for that room, sends it to the room's group. A storm of 500
connects thus makes about one list per room per second, not 500. Every third of the
expiry, each process also looks at the rooms it holds sockets in, and marks those whose
last list no longer shows who is online: that is how the others' crashes show. Looking is
one query and one read of the cache for all of them; drawing every list again, as it did
before, was a tenth of a busy worker's database thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from chat.broadcast import events, fanout
from chat.broadcast import frames as rendering
from chat.models import Membership, Room

logger = logging.getLogger(__name__)

#: How often a process renders the members lists it marked.
FLUSH_SECONDS = 1.0
PREFIX = "presence"
PROCESS = uuid.uuid4().hex[:12]


def _expiry() -> int:
    return int(settings.CHAT_PRESENCE_SECONDS)


def _user_key(user_id: int, process: str) -> str:
    return f"{PREFIX}:{user_id}:{process}"


def _live_processes() -> list[str]:
    seen = cache.get(f"{PREFIX}:processes") or {}
    horizon = time.time() - _expiry()
    return [process for process, at in seen.items() if at >= horizon]


def live_processes() -> list[str]:
    """The server processes whose heartbeat is recent (others' entries are not counted)."""
    return _live_processes()


def online(user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` have a socket open anywhere right now (nobody, while the
    cache cannot be reached)."""
    if not user_ids:
        return set()
    try:
        processes = _live_processes()
        keys = {_user_key(uid, process): uid for uid in user_ids for process in processes}
        found = cache.get_many(list(keys)) if keys else {}
    except Exception as error:
        logger.warning("presence unknown, the cache failed (%r)", error)
        return set()
    return {keys[key] for key in found}


def _open_elsewhere(user_id: int) -> int:
    """How many sockets of ``user_id`` the other live processes hold (their entries)."""
    processes = [process for process in _live_processes() if process != PROCESS]
    found = cache.get_many([_user_key(user_id, process) for process in processes])
    return sum(int(count) for count in found.values())


@dataclass(frozen=True)
class Member:
    """A member of a room as its members list shows them."""

    user: AbstractBaseUser
    online: bool


def members(room: Room) -> list[Member]:
    """The room's members, by username, each online or not."""
    # Profiles come along: the list shows names, avatars and bots, and must not ask for
    # each member's.
    memberships = room.memberships.select_related("user__profile").order_by("user__username")
    people = [m.user for m in memberships]
    here = online([person.pk for person in people])
    return [Member(person, person.pk in here) for person in people]


def members_frame(room_id: int) -> str:
    """The members list of a room, rendered once for every reader."""
    return _drawn(room_id)[0]


def _drawn(room_id: int) -> tuple[str, frozenset[int]]:
    """The members list of a room, and who it shows online."""
    room = Room.objects.get(pk=room_id)
    listed = members(room)
    showing = frozenset(member.user.pk for member in listed if member.online)
    return rendering.members_frame(room, listed), showing


def _online_by_room(room_ids: list[int]) -> dict[int, frozenset[int]]:
    """Who is online among each room's members, for many rooms: one query and one read of
    the cache, where drawing their lists would be several queries and a render each."""
    people: dict[int, list[int]] = {room_id: [] for room_id in room_ids}
    rows = Membership.objects.filter(room_id__in=room_ids).values_list("room_id", "user_id")
    for room_id, user_id in rows.order_by():
        people[room_id].append(user_id)
    here = online(list({user_id for members in people.values() for user_id in members}))
    return {
        room_id: frozenset(user_id for user_id in members if user_id in here)
        for room_id, members in people.items()
    }


def send_members(room_id: int) -> None:
    """Send the room's sockets its members list again, now (sync callers): who is in it
    changed, or how one of them looks. Every process's ``Presence`` sees it go by as the
    last one sent for the room."""
    events.members_changed(room_id, members_frame(room_id))


def _rooms_of(user_id: int) -> list[int]:
    return list(Membership.objects.filter(user_id=user_id).values_list("room_id", flat=True))


def person_changed(user_id: int) -> None:
    """Send the members list of every room of ``user_id`` again, now (sync callers): how
    they look in it changed (their name or picture). Each list is rendered once.

    After it, their byline (rendered once for all rooms) replaces every copy of their
    name and picture on those pages, in old messages too; the list just sent holds one,
    so the frame always finds a target."""
    person = get_user_model().objects.select_related("profile").get(pk=user_id)
    byline = rendering.byline_frame(person)
    for room_id in _rooms_of(user_id):
        try:
            send_members(room_id)
        except Room.DoesNotExist:
            continue
        events.byline_changed(room_id, byline)


def _changed(room_ids: list[int], shown: dict[int, frozenset[int]]) -> list[int]:
    """Of ``room_ids``, those whose list as last drawn (who it ``shown`` online) is not
    known to show who is online now."""
    now = _online_by_room(room_ids)
    return [room_id for room_id in room_ids if shown.get(room_id) != now[room_id]]


class Presence:
    """This process's people and the members lists it keeps current."""

    def __init__(self, hub: fanout.Fanout) -> None:
        self.hub = hub
        self.local: Counter[int] = Counter()
        self.dirty: set[int] = set()
        #: The last members list any process sent for a room (as seen by this one).
        self.last_sent: dict[int, str] = {}
        #: Who the last list this process drew of a room showed online, while that list is
        #: the last one sent (``_seen`` forgets it when another process sends one).
        self.showing: dict[int, frozenset[int]] = {}
        self._tasks: list[asyncio.Task] = []
        hub.observe(events.MEMBERS, self._seen)

    def _start(self) -> None:
        if not self._tasks:
            loop = asyncio.get_running_loop()
            self._tasks = [
                loop.create_task(self._beat_periodically()),
                loop.create_task(self._flush_periodically()),
            ]

    async def arrive(self, user_id: int) -> bool:
        """Called when a socket of ``user_id`` opens in this process: counted, and True;
        or, when the person already has ``CHAT_SOCKETS_PER_PERSON`` sockets open on all
        processes together, False and nothing counted (the socket is to be refused)."""
        count = self.reserve(user_id)
        rooms = await database_sync_to_async(self.admit)(user_id, count)
        if rooms is None:
            self._forget(user_id)
            return False
        self.redraw(rooms)
        return True

    def reserve(self, user_id: int) -> int:
        """The first half of ``arrive``, on the event loop: a socket of ``user_id`` counted
        here (so two sockets opening at once both count); this process's count of theirs.
        ``admit`` it on the database thread (in a trip the socket makes anyway), then
        ``release`` it if it is not let in."""
        self._start()
        self.local[user_id] += 1
        return self.local[user_id]

    def release(self, user_id: int) -> None:
        """Undo a ``reserve`` whose socket was not let in (on the event loop)."""
        self._forget(user_id)

    def admit(self, user_id: int, count: int) -> list[int] | None:
        """The second half of ``arrive``, on the database thread: None if the socket
        ``reserve`` counted may not stay (past ``CHAT_SOCKETS_PER_PERSON``); else it is
        recorded in the cache for the other processes, and the rooms whose members lists
        now show the person online (none unless it is their first socket here).

        Those lists are the socket's to ``redraw`` once it listens to its rooms: drawn
        before, they would reach every socket but the new one, and the new one would not
        get them later either (an unchanged list is not sent again)."""
        try:
            if count + _open_elsewhere(user_id) > settings.CHAT_SOCKETS_PER_PERSON:
                return None
            # The count, not just a mark: other processes add it up against the cap.
            cache.set(_user_key(user_id, PROCESS), count, _expiry())
            if count == 1:
                self._register()
        except Exception as error:
            # An unreachable cache must not lock everyone out: the socket is let in.
            logger.warning("presence not recorded, the cache failed (%r)", error)
        return _rooms_of(user_id) if count == 1 else []

    def redraw(self, rooms: list[int]) -> None:
        """Have the members lists of ``rooms`` drawn again at the next flush (on the
        event loop)."""
        self.dirty.update(rooms)

    def _forget(self, user_id: int) -> int:
        self.local[user_id] -= 1
        left = self.local[user_id]
        if left <= 0:
            del self.local[user_id]
        return left

    async def leave(self, user_id: int) -> None:
        """Called when a socket of ``user_id`` closes in this process."""
        left = self._forget(user_id)
        if left <= 0:
            await database_sync_to_async(self._left)(user_id)
        else:
            await database_sync_to_async(self._recount)(user_id, left)

    def _recount(self, user_id: int, count: int) -> None:
        try:
            cache.set(_user_key(user_id, PROCESS), count, _expiry())
        except Exception as error:
            logger.warning("presence not recorded, the cache failed (%r)", error)

    def _left(self, user_id: int) -> None:
        try:
            cache.delete(_user_key(user_id, PROCESS))
        except Exception as error:
            logger.warning("presence not cleared, the cache failed (%r)", error)
        self.dirty.update(_rooms_of(user_id))

    def _register(self) -> None:
        now = time.time()
        processes = cache.get(f"{PREFIX}:processes") or {}
        horizon = now - _expiry()
        processes = {p: at for p, at in processes.items() if at >= horizon}
        processes[PROCESS] = now
        cache.set(f"{PREFIX}:processes", processes, None)

    def _beat(self) -> None:
        expiry = _expiry()
        cache.set_many({_user_key(uid, PROCESS): n for uid, n in self.local.items()}, expiry)
        self._register()

    async def _beat_periodically(self) -> None:
        while True:
            await asyncio.sleep(_expiry() / 3)
            await self.beat()

    async def beat(self) -> None:
        """Write this process's entries in the cache again; mark the rooms it shows whose
        lists no longer show who is online. Others may have crashed: their people go
        offline as their entries expire, and nobody marks a room for it."""
        try:
            await database_sync_to_async(self._beat)()
        except Exception as error:
            logger.warning("presence heartbeat failed (%r)", error)
        rooms = self.hub.local_rooms()
        try:
            # One query and one read of the cache for every room, where drawing each
            # room's list again is several queries and a render.
            changed = await database_sync_to_async(_changed)(rooms, dict(self.showing))
            self.dirty.update(changed)
        except Exception as error:
            logger.warning("presence not compared, drawing every list again (%r)", error)
            self.dirty.update(rooms)

    async def _seen(self, event: dict) -> None:
        if self.last_sent.get(event["room"]) != event["html"]:
            # Not the list this process sent last: another process's, or one a request
            # drew (someone joined). Lists drawn at different moments can arrive in the
            # other order, the older last, and it is what the pages then show: the room is
            # drawn again at the next flush, sent only if it differs from the last one.
            self.showing.pop(event["room"], None)
            self.dirty.add(event["room"])
        self.last_sent[event["room"]] = event["html"]

    async def flush(self) -> None:
        """Render each marked room's members list once; send the ones that changed."""
        rooms, self.dirty = self.dirty, set()
        for room_id in sorted(rooms):
            try:
                html, showing = await database_sync_to_async(_drawn)(room_id)
            except Room.DoesNotExist:
                self.showing.pop(room_id, None)
                continue
            if self.last_sent.get(room_id) == html:
                self.showing[room_id] = showing
                continue
            self.last_sent[room_id] = html
            self.showing[room_id] = showing
            await events.amembers_changed(room_id, html)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            if self.dirty:
                try:
                    await self.flush()
                except Exception:
                    logger.exception("could not send members lists")

    def close(self) -> None:
        """Stop beating and flushing (the event loop or the channel layer is replaced)."""
        for task in self._tasks:
            task.cancel()


def presence() -> Presence:
    """This process's presence (the running event loop's)."""
    return fanout.fanout().part(Presence)
