"""Joining and leaving reach every tab at once (``chat.rooms.joining`` through the lobby's and
the sidebar's sockets), and a page of a public room stays live for a visitor and a leaver."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from chat.models import Membership, Room
from chat.rooms import services as rooms
from tests.support.messages import asay
from tests.support.sockets import TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

MINE = '<div id="lobby-mine"'
SIDEBAR = '<div id="sidebar-list"'


async def next_frame(socket, prefix: str) -> str:
    """The next frame ``socket`` receives that starts with ``prefix``, skipping others."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(prefix):
            return html


async def until(socket, prefix: str, wanted: str, *, present: bool = True) -> str:
    """Frames starting with ``prefix`` until one holds ``wanted`` (or, with ``present``
    False, one without it): the render on opening may come first."""
    while True:
        html = await next_frame(socket, prefix)
        if (wanted in html) == present:
            return html


def listed(room: Room) -> str:
    return f'id="lobby-room-{room.id}"'


async def post(client, path: str):
    return await database_sync_to_async(client.post)(path)


async def test_join_and_leave_reach_every_tab(open_socket, login, alice, bob, lunch):
    tabs = [await open_socket("/ws/lobby/", bob) for _ in range(2)]
    sidebar = await open_socket("/ws/sidebar/?here=/r/lunch/", bob)
    for tab in tabs:
        await next_frame(tab, MINE)  # rendered on opening
    await next_frame(sidebar, SIDEBAR)
    client = await database_sync_to_async(login)(bob)

    await post(client, "/r/lunch/join")

    for tab in tabs:
        await until(tab, MINE, listed(lunch))
    await until(sidebar, SIDEBAR, f'id="sidebar-room-{lunch.id}"')

    await post(client, "/r/lunch/leave")

    for tab in tabs:
        await until(tab, MINE, listed(lunch), present=False)
    await until(sidebar, SIDEBAR, f'id="sidebar-room-{lunch.id}"', present=False)
    # No longer following the room: its messages change nothing in the lobby.
    await asay(lunch, alice, "anyone?")
    for tab in tabs:
        assert await tab.receive_nothing(timeout=0.5)


async def test_a_joined_room_is_followed_live(open_socket, login, alice, bob, lunch):
    tab = await open_socket("/ws/lobby/", bob)
    await post(await database_sync_to_async(login)(bob), "/r/lunch/join")
    await until(tab, MINE, listed(lunch))

    await asay(lunch, alice, "soup?")

    unread = '<span class="unread" title="unread messages">1</span>'
    assert unread in await until(tab, MINE, unread)


async def test_a_leavers_page_of_a_public_room_stays_live(open_socket, login, alice, bob, lunch):
    client = await database_sync_to_async(login)(bob)
    await post(client, "/r/lunch/join")
    page = await open_socket("/ws/r/lunch/", bob)

    await post(client, "/r/lunch/leave")
    await asay(lunch, alice, "still here")

    assert "still here" in await next_frame(page, '<div id="messages"')


async def test_a_visitors_page_is_live_and_writing_from_it_joins(open_socket, alice, bob, lunch):
    tab = await open_socket("/ws/lobby/", bob)
    await next_frame(tab, MINE)
    page = await open_socket("/ws/r/lunch/", bob)
    await asay(lunch, alice, "hello visitors")
    assert "hello visitors" in await next_frame(page, '<div id="messages"')

    await page.send_to(text_data=json.dumps({"body": "hi, I'm new"}))

    assert "hi, I&#x27;m new" in await next_frame(page, '<div id="messages"')
    exists = Membership.objects.filter(room=lunch, user=bob).aexists
    assert await exists()
    await until(tab, MINE, listed(lunch))


async def test_people_named_at_creation_see_the_room_live(open_socket, alice, bob):
    tab = await open_socket("/ws/lobby/", bob)
    await next_frame(tab, MINE)

    room = await database_sync_to_async(rooms.create_room)(
        alice, {"title": "Plans", "kind": "private", "members": "bob"}
    )

    await until(tab, MINE, listed(room))
