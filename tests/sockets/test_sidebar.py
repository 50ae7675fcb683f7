"""The sidebar's socket (``/ws/sidebar/``, ``chat.sockets.lobby.SidebarConsumer``) through the
full ASGI application: the lobby's counts, live, beside a conversation, the one being read
without a badge."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async

from chat.models import Room
from chat.rooms import services as rooms
from tests.support.joining import ajoin
from tests.support.messages import asay
from tests.support.sockets import TIMEOUT, refused_with

pytestmark = pytest.mark.django_db(transaction=True)

SIDEBAR = '<div id="sidebar-list" class="sidebar-list" hx-swap-oob="true">'

create_room = database_sync_to_async(rooms.create_room)


async def next_sidebar(socket) -> str:
    """The next sidebar frame ``socket`` receives; any other frame fails the test."""
    html = await socket.receive_from(TIMEOUT)
    assert html.startswith(SIDEBAR), html[:80]
    return html


def entry(html: str, room: Room) -> str:
    return re.search(
        rf'<li class="sidebar-entry[^"]*"[^>]*><a id="sidebar-room-{room.id}".*?</li>', html
    ).group(0)


async def test_signed_out_it_is_closed_as_signed_out(open_socket):
    await refused_with(await open_socket("/ws/sidebar/?here=/r/lunch/", None), 4401)


async def test_a_message_in_another_room_of_mine_shows_as_unread(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    tea = await create_room(bob, {"title": "Tea", "kind": Room.Kind.PUBLIC})
    socket = await open_socket("/ws/sidebar/?here=/r/tea/", bob)
    await next_sidebar(socket)  # rendered on opening, out of the way

    await asay(lunch, alice, "@bob soup?")

    html = await next_sidebar(socket)
    assert '<span class="mentions" title="unread messages that mention you">@1</span>' in entry(
        html, lunch
    )
    assert '<span class="unread" title="unread messages">1</span>' in entry(html, lunch)
    assert 'aria-current="page"' in entry(html, tea)
    assert 'aria-current="page"' not in entry(html, lunch)


async def test_the_room_being_read_gets_no_badge(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    room_socket = await open_socket("/ws/r/lunch/", bob)
    socket = await open_socket("/ws/sidebar/?here=/r/lunch/", bob)
    await next_sidebar(socket)

    await asay(lunch, alice, "seen at once")
    assert "seen at once" in await room_socket.receive_from(TIMEOUT)  # shown on the page

    html = await next_sidebar(socket)
    assert 'class="unread"' not in entry(html, lunch)
    assert 'aria-current="page"' in entry(html, lunch)


async def test_a_room_read_on_another_tab_loses_its_badge(open_socket, login, alice, bob, lunch):
    await ajoin(bob, "lunch")
    await asay(lunch, alice, "one", "two")
    socket = await open_socket("/ws/sidebar/?here=/p/alice/", bob)
    assert '<span class="unread" title="unread messages">2</span>' in entry(
        await next_sidebar(socket), lunch
    )

    client = await database_sync_to_async(login)(bob)
    await database_sync_to_async(client.get)("/r/lunch/")  # read, in another tab

    assert 'class="unread"' not in entry(await next_sidebar(socket), lunch)


async def test_a_room_i_join_elsewhere_is_listed_and_followed(open_socket, alice, bob, lunch):
    socket = await open_socket("/ws/sidebar/?here=/p/alice/", bob)
    await next_sidebar(socket)

    await ajoin(bob, "lunch")
    while f'id="sidebar-room-{lunch.id}"' not in await next_sidebar(socket):
        pass  # the render on opening may come before the one listing the room
    await asay(lunch, alice, "welcome")

    assert '<span class="unread" title="unread messages">1</span>' in entry(
        await next_sidebar(socket), lunch
    )


async def test_it_sends_the_sidebar_only(open_socket, alice, bob, mallory, lunch):
    await ajoin(bob, "lunch")
    lobby = await open_socket("/ws/lobby/?public=1", bob)
    socket = await open_socket("/ws/sidebar/?here=/r/lunch/&public=1", bob)
    await next_sidebar(socket)

    # A new public room, and a notification: the lobby shows them; the sidebar, beside a
    # room socket that shows notifications already, passes neither on.
    await create_room(mallory, {"title": "Tea", "kind": Room.Kind.PUBLIC})
    rooms_frame = await lobby.receive_from(TIMEOUT)
    while not rooms_frame.startswith('<div id="public-rooms"'):
        rooms_frame = await lobby.receive_from(TIMEOUT)
    room = await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    await asay(room, alice, "psst")

    frames = [await socket.receive_from(TIMEOUT)]
    while not await socket.receive_nothing(timeout=1.5):
        frames.append(await socket.receive_from(TIMEOUT))
    assert frames and all(frame.startswith(SIDEBAR) for frame in frames)
    assert "data-page-title" not in frames[-1]
