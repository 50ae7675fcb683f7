"""Who is typing (``chat.broadcast.typists``): each process's board, and the one line it renders for
its own sockets of a room."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import partial

import pytest

from chat.broadcast import events, fanout, typists
from chat.limits import SlidingWindowLimiter
from chat.models import Message, Room
from chat.sockets import consumers
from tests.support.messages import asay

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3
NOBODY_TYPING = '<div id="typing" class="typing" hx-swap-oob="true"></div>'


class FakeSocket:
    """A room socket that records the frames the process hands it."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.arrived = asyncio.Event()

    async def chat_frame(self, event: dict) -> None:
        self.frames.append(event["html"])
        self.arrived.set()


def typing_frame(*people) -> str:
    lines = "".join(
        f'<p class="typist" data-user-id="{person.pk}">{person.username} is typing…</p>'
        for person in people
    )
    return f'<div id="typing" class="typing" hx-swap-oob="true">{lines}</div>'


async def attached(room) -> FakeSocket:
    socket = FakeSocket()
    await fanout.fanout().attach(socket, [fanout.room_group(room.id)])
    return socket


@pytest.fixture
async def socket(lunch) -> AsyncIterator[FakeSocket]:
    """A socket of lunch in a process that follows who types."""
    typists.board()
    fake = await attached(lunch)
    yield fake
    await fanout.fanout().detach(fake, [fanout.room_group(lunch.id)])


async def typing_started(room, user) -> None:
    """``typing.started`` reaching this process, as from any process's socket."""
    await fanout.fanout().dispatch(events.typing(room.id, user.pk, user.username))


async def message_by(room, author) -> None:
    """A new message of ``author`` reaching this process."""
    await fanout.fanout().dispatch(events.message(room.id, 1, 1, author.pk, ""))


async def test_typing_started_shows_the_typist_to_the_rooms_sockets(socket, bob, lunch):
    await typing_started(lunch, bob)

    assert socket.frames == [typing_frame(bob)]


async def test_typing_started_reaches_no_socket_of_another_room(socket, alice, bob, lunch):
    elsewhere = await Room.objects.acreate(
        title="Tea", slug="tea", kind=Room.Kind.PUBLIC, created_by=alice
    )
    other = await attached(elsewhere)

    await typing_started(lunch, bob)

    assert other.frames == []


async def test_typing_started_again_by_the_same_person_sends_nothing_new(socket, bob, lunch):
    await typing_started(lunch, bob)

    await typing_started(lunch, bob)

    assert socket.frames == [typing_frame(bob)]


async def test_typing_two_typists_show_two_lines(socket, bob, mallory, lunch):
    await typing_started(lunch, bob)

    await typing_started(lunch, mallory)

    assert socket.frames[-1] == typing_frame(bob, mallory)


async def test_typing_a_message_by_the_typist_clears_the_line(socket, bob, lunch):
    await typing_started(lunch, bob)

    await message_by(lunch, bob)

    assert socket.frames == [typing_frame(bob), NOBODY_TYPING]


async def test_typing_a_message_by_someone_else_leaves_the_line(socket, alice, bob, lunch):
    await typing_started(lunch, bob)

    await message_by(lunch, alice)

    assert socket.frames == [typing_frame(bob)]


async def test_typing_expires_after_typing_seconds(socket, bob, lunch, monkeypatch):
    monkeypatch.setattr(typists, "TYPING_SECONDS", 0.2)
    await typing_started(lunch, bob)
    socket.arrived.clear()

    await asyncio.wait_for(socket.arrived.wait(), TIMEOUT)

    assert socket.frames == [typing_frame(bob), NOBODY_TYPING]


async def test_typing_stores_nothing(socket, bob, lunch):
    before = (await Message.objects.acount(), await Room.objects.acount())

    await typing_started(lunch, bob)
    await message_by(lunch, bob)

    assert (await Message.objects.acount(), await Room.objects.acount()) == before


class FakeClock:
    """Stands in for ``time.monotonic``: the time moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_socket_says_someone_types_at_most_twice_in_3_seconds(
    open_socket, alice, lunch, monkeypatch
):
    clock = FakeClock()
    monkeypatch.setattr(
        consumers, "SlidingWindowLimiter", partial(SlidingWindowLimiter, clock=clock)
    )
    told: list[int] = []

    async def started(room_id: int, user) -> bool:
        told.append(user.pk)
        return True

    monkeypatch.setattr(typists, "started", started)
    await asay(lunch, alice, "hello")
    socket = await open_socket("/ws/r/lunch/", alice)

    async def typing(frames: int) -> int:
        """How many of ``frames`` typing frames the room hears of."""
        before = len(told)
        for _ in range(frames):
            await socket.send_to(text_data=json.dumps({"type": "typing"}))
        # Frames are handled in order: once a resume is answered, the typing is done.
        await socket.send_to(text_data=json.dumps({"type": "resume", "after": 0, "cursor": 0}))
        await socket.receive_from(TIMEOUT)
        return len(told) - before

    assert await typing(3) == 2
    clock.now += 2.9
    assert await typing(1) == 0
    clock.now += 0.1
    assert await typing(3) == 2
