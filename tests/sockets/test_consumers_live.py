"""The sockets' live frames: who is typing and who is here in a room, and the lobby's socket
(my rooms' counts, new public rooms), through the full ASGI application."""

from __future__ import annotations

import json
import threading

import pytest
from channels.db import database_sync_to_async

from chat.broadcast import events, fanout, typists
from chat.limits import TYPING_FRAMES_PER_WINDOW
from chat.models import Room
from chat.rooms import lobby
from chat.rooms import services as rooms
from chat.sockets.consumers import RoomConsumer
from chat.sockets.lobby import LobbyConsumer
from tests.support.joining import ajoin
from tests.support.messages import asay, say
from tests.support.sockets import drain, refused_with

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_members_lists"),
]

TIMEOUT = 3
TYPING = '<div id="typing"'
MEMBERS = '<div id="members"'
MINE = '<div id="lobby-mine"'
PUBLIC_ROOMS = '<div id="public-rooms" hx-swap-oob="true">'
NOBODY_TYPING = '<div id="typing" class="typing" hx-swap-oob="true"></div>'
UNREADABLE = (
    '<div id="notice" class="notice" role="status">'
    "That message could not be read; nothing was sent.</div>"
)
TYPING_SAID = json.dumps({"type": "typing"})


def typing_frame(person) -> str:
    return (
        '<div id="typing" class="typing" hx-swap-oob="true">'
        f'<p class="typist" data-user-id="{person.pk}">{person.username} is typing…</p></div>'
    )


def posted(body: str) -> str:
    """A message frame as the htmx ws extension sends it."""
    return json.dumps({"body": body, "HEADERS": {"HX-Request": "true"}})


async def next_frame(socket, prefix: str) -> str:
    """The next frame ``socket`` receives that starts with ``prefix``, skipping others."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(prefix):
            return html


async def frames_until(socket, last: str) -> list[str]:
    """Every frame ``socket`` receives up to and including ``last``."""
    frames = [await socket.receive_from(TIMEOUT)]
    while frames[-1] != last:
        frames.append(await socket.receive_from(TIMEOUT))
    return frames


create_room = database_sync_to_async(rooms.create_room)


# --- typing ----------------------------------------------------------------------------


async def test_typing_frame_reaches_the_room_naming_the_typist(open_socket, alice, bob, lunch):
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await bob_socket.send_to(text_data=TYPING_SAID)

    assert await next_frame(alice_socket, TYPING) == typing_frame(bob)


async def test_typing_frame_reaches_the_typist_as_the_same_string(open_socket, alice, bob, lunch):
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await bob_socket.send_to(text_data=TYPING_SAID)

    assert await next_frame(bob_socket, TYPING) == await next_frame(alice_socket, TYPING)


async def test_typing_flood_is_dropped_quietly(open_socket, bob, lunch, monkeypatch):
    announced = []
    real_started = typists.started

    async def counted(room_id: int, user) -> bool:
        announced.append(user.pk)
        return await real_started(room_id, user)

    monkeypatch.setattr(typists, "started", counted)
    await ajoin(bob, "lunch")
    socket = await open_socket("/ws/r/lunch/", bob)
    await next_frame(socket, MEMBERS)  # his arrival, out of the way

    for _ in range(20):
        await socket.send_to(text_data=TYPING_SAID)
    await socket.send_to(text_data="garbage")  # answered once every frame before it was handled
    frames = await frames_until(socket, UNREADABLE) + await drain(socket)

    assert announced == [bob.pk] * TYPING_FRAMES_PER_WINDOW
    answers = [f for f in frames if f != UNREADABLE and not f.startswith(MEMBERS)]
    assert set(answers) == {typing_frame(bob)}
    assert len(answers) <= TYPING_FRAMES_PER_WINDOW


async def test_typing_a_posted_message_clears_the_authors_line(open_socket, alice, bob, lunch):
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    await bob_socket.send_to(text_data=TYPING_SAID)
    await next_frame(alice_socket, TYPING)

    await bob_socket.send_to(text_data=posted("done"))

    assert await next_frame(alice_socket, TYPING) == NOBODY_TYPING


# --- who is here ------------------------------------------------------------------------


async def test_presence_members_is_forwarded_only_once_accepted(
    open_socket, alice, lunch, monkeypatch
):
    async def members_list(html: str) -> None:
        await fanout.fanout().dispatch(events.members(lunch.id, html))

    real_accept = RoomConsumer.accept

    async def accept_after_a_list(self, *args, **kwargs):
        await members_list("<p>before the accept</p>")
        await real_accept(self, *args, **kwargs)

    monkeypatch.setattr(RoomConsumer, "accept", accept_after_a_list)
    socket = await open_socket("/ws/r/lunch/", alice)

    await members_list("<p>after the accept</p>")

    assert await socket.receive_from(TIMEOUT) == "<p>after the accept</p>"


# --- the lobby ---------------------------------------------------------------------------


async def test_lobby_anonymous_is_closed_as_signed_out(open_socket):
    socket = await open_socket("/ws/lobby/", None)

    await refused_with(socket, 4401)


async def test_lobby_shows_a_new_message_in_my_room_as_unread(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    socket = await open_socket("/ws/lobby/", alice)
    await next_frame(socket, MINE)  # rendered on opening, out of the way

    await asay(lunch, bob, "soup?")

    html = await next_frame(socket, MINE)
    assert html.startswith('<div id="lobby-mine" hx-swap-oob="true" data-page-title="(1) Chat">')
    assert '<span class="unread" title="unread messages">1</span>' in html


async def test_lobby_shows_a_mention_of_me(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    socket = await open_socket("/ws/lobby/", alice)
    await next_frame(socket, MINE)

    await asay(lunch, bob, "@alice hi")

    html = await next_frame(socket, MINE)
    assert '<span class="mentions" title="unread messages that mention you">@1</span>' in html


async def test_lobby_with_public_receives_a_new_public_room(open_socket, alice, mallory):
    socket = await open_socket("/ws/lobby/?public=1", alice)

    await create_room(mallory, {"title": "Tea", "kind": Room.Kind.PUBLIC})

    html = await next_frame(socket, PUBLIC_ROOMS)
    assert '<a href="/r/tea/">Tea</a>' in html


async def test_lobby_without_public_receives_no_public_rooms(open_socket, alice, bob, mallory):
    watching = await open_socket("/ws/lobby/?public=1", alice)
    socket = await open_socket("/ws/lobby/", bob)
    await next_frame(socket, MINE)

    await create_room(mallory, {"title": "Tea", "kind": Room.Kind.PUBLIC})
    await next_frame(watching, PUBLIC_ROOMS)  # this process's lobbies have had the event

    assert await socket.receive_nothing(timeout=0.2)


async def test_lobby_lists_a_private_room_i_am_added_to(open_socket, alice, bob):
    socket = await open_socket("/ws/lobby/", alice)
    await next_frame(socket, MINE)
    room = await create_room(bob, {"title": "Plans", "kind": Room.Kind.PRIVATE})

    await database_sync_to_async(rooms.add_member)(room, bob, {"username": "alice"})

    entry = f'<li id="lobby-room-{room.id}" class="lobby-entry" data-notify="everything">'
    assert entry in await next_frame(socket, MINE)


async def test_lobby_follows_a_private_room_i_am_added_to(open_socket, alice, bob):
    socket = await open_socket("/ws/lobby/", alice)
    room = await create_room(bob, {"title": "Plans", "kind": Room.Kind.PRIVATE})
    await database_sync_to_async(rooms.add_member)(room, bob, {"username": "alice"})
    while f'id="lobby-room-{room.id}"' not in await next_frame(socket, MINE):
        pass  # the render on opening may come before the one listing the room

    await asay(room, bob, "psst")

    assert '<span class="unread" title="unread messages">1</span>' in await next_frame(socket, MINE)


async def test_lobby_a_message_arriving_while_it_renders_is_shown_next(
    open_socket, alice, bob, lunch, monkeypatch
):
    await ajoin(bob, "lunch")
    handled = threading.Event()
    real_handler = LobbyConsumer.chat_message

    async def noted(self, event: dict) -> None:
        await real_handler(self, event)
        handled.set()

    monkeypatch.setattr(LobbyConsumer, "chat_message", noted)
    real_frame = lobby.my_rooms_frame
    renders = []

    def a_message_during_the_render(user) -> str:
        html = real_frame(user)  # the counts are read
        renders.append(html)
        if len(renders) == 1:
            say(lunch, bob, "meanwhile")  # stored and announced, then reaches the lobby
            handled.wait(TIMEOUT)
        return html

    monkeypatch.setattr(lobby, "my_rooms_frame", a_message_during_the_render)
    socket = await open_socket("/ws/lobby/", alice)
    await next_frame(socket, MINE)  # the render on opening: read before the message

    # Polled rather than awaited with a timeout, which would cancel the consumer.
    another_render = not await socket.receive_nothing(timeout=TIMEOUT)

    assert another_render
    assert '<span class="unread" title="unread messages">1</span>' in await socket.receive_from()


async def test_lobby_logging_out_closes_that_sessions_lobby(open_socket, login, alice):
    laptop = await database_sync_to_async(login)(alice)
    socket = await open_socket("/ws/lobby/", alice, client=laptop)
    await next_frame(socket, MINE)

    await database_sync_to_async(laptop.post)("/accounts/logout/")

    assert await socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_a_direct_message_notifies_the_other_persons_lobby_and_other_rooms(
    open_socket, alice, bob, lunch
):
    await ajoin(bob, "lunch")
    room = await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    lobby_socket = await open_socket("/ws/lobby/", bob)
    elsewhere = await open_socket("/ws/r/lunch/", bob)

    message = (await asay(room, alice, "psst"))[0]

    expected = (
        '<div id="notification" hidden data-title="alice" data-body="psst" '
        f'data-url="/p/alice/#message-{message.id}" data-tag="message-{message.id}"></div>'
    )
    assert await next_frame(lobby_socket, '<div id="notification"') == expected
    assert await next_frame(elsewhere, '<div id="notification"') == expected
