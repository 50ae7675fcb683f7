"""Catching up through the real ASGI application: "Mark unread" and "Mark all read" change
the counts on every lobby and sidebar of the person, and a room marked unread stays unread
on the page showing it until the person writes there (``chat.sockets.consumers``)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from channels.db import database_sync_to_async

from chat.broadcast.reading import read_tracker
from chat.models import Membership
from tests.support.joining import ajoin
from tests.support.messages import HTMX, asay
from tests.support.sockets import TIMEOUT, frame

pytestmark = pytest.mark.django_db(transaction=True)

LOBBY = '<div id="lobby-mine"'
SIDEBAR = '<div id="sidebar-list"'


def unread_in(html: str, room) -> str | None:
    """The unread count the lobby's or sidebar's entry of ``room`` shows, if any."""
    found = re.search(rf'id="(?:lobby|sidebar)-room-{room.id}".*?(?:</li>)', html, re.S).group(0)
    count = re.search(r'<span class="unread" title="unread messages">(\d+)</span>', found)
    return count.group(1) if count else None


async def until(socket, starts: str, room, count: str | None) -> str:
    """Frames of ``socket`` until one starting with ``starts`` shows ``count`` unread in
    ``room`` (each waited for at most TIMEOUT: a count that never comes fails)."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(starts) and unread_in(html, room) == count:
            return html


def last_read(room, person) -> int:
    return Membership.objects.get(room=room, user=person).last_read


async def test_mark_unread_and_read_all_reach_every_tab_and_hold_on_the_room(
    open_socket, login, alice, bob, lunch
):
    await ajoin(bob, "lunch")
    room_socket = await open_socket("/ws/r/lunch/", bob)
    lobby = await open_socket("/ws/lobby/", bob)
    sidebar = await open_socket("/ws/sidebar/?here=/r/lunch/", bob)
    first, _second = await asay(lunch, alice, "one", "two")
    for _ in range(2):
        await room_socket.receive_from(TIMEOUT)  # shown on bob's page: read
    await read_tracker.flush()
    await until(lobby, LOBBY, lunch, None)

    client = await database_sync_to_async(login)(bob)
    response = await database_sync_to_async(client.post)(f"/m/{first.id}/unread", **HTMX)
    assert response.status_code == 200

    # Both counts change, on the lobby and on the sidebar beside the room.
    await until(lobby, LOBBY, lunch, "2")
    await until(sidebar, SIDEBAR, lunch, "2")

    # A new message shows on the room's page, which no longer records it read.
    await asay(lunch, alice, "three")
    assert "three" in await room_socket.receive_from(TIMEOUT)
    await read_tracker.flush()
    await until(lobby, LOBBY, lunch, "3")
    assert await database_sync_to_async(last_read)(lunch, bob) == first.id - 1

    # Mark all read: every tab's count goes.
    await database_sync_to_async(client.post)("/read-all", **HTMX)
    await until(lobby, LOBBY, lunch, None)
    await until(sidebar, SIDEBAR, lunch, None)


async def test_writing_in_the_room_ends_the_hold(open_socket, login, alice, bob, lunch):
    await ajoin(bob, "lunch")
    room_socket = await open_socket("/ws/r/lunch/", bob)
    lobby = await open_socket("/ws/lobby/", bob)
    (first,) = await asay(lunch, alice, "one")
    await room_socket.receive_from(TIMEOUT)
    client = await database_sync_to_async(login)(bob)
    await database_sync_to_async(client.post)(f"/m/{first.id}/unread", **HTMX)
    await until(lobby, LOBBY, lunch, "1")

    await room_socket.send_to(text_data=frame(body="me too"))
    while "<article" not in await room_socket.receive_from(TIMEOUT):
        pass  # stored and shown
    (later,) = await asay(lunch, alice, "after")
    while "after" not in await room_socket.receive_from(TIMEOUT):
        pass
    await read_tracker.flush()

    assert await database_sync_to_async(last_read)(lunch, bob) == later.id


async def test_a_read_written_after_the_mark_is_put_back(
    open_socket, login, alice, bob, lunch, monkeypatch
):
    """The page showed a message a moment before its reader marked it unread, and the batch
    holding that read was written only after the mark: the mark still holds, everywhere."""
    await ajoin(bob, "lunch")
    room_socket = await open_socket("/ws/r/lunch/", bob)
    lobby = await open_socket("/ws/lobby/", bob)
    taken, release = asyncio.Event(), asyncio.Event()
    store = read_tracker._store

    async def late(batch, direct):
        taken.set()
        await release.wait()
        await store(batch, direct)

    monkeypatch.setattr(read_tracker, "_store", late)
    (first,) = await asay(lunch, alice, "one")
    await room_socket.receive_from(TIMEOUT)
    async with asyncio.timeout(TIMEOUT):
        await taken.wait()  # the read of "one" is being written

    client = await database_sync_to_async(login)(bob)
    await database_sync_to_async(client.post)(f"/m/{first.id}/unread", **HTMX)
    await until(lobby, LOBBY, lunch, "1")
    release.set()

    # The late read landed, was put back, and the counts were sent again.
    await until(lobby, LOBBY, lunch, "1")
    assert await database_sync_to_async(last_read)(lunch, bob) == first.id - 1


async def test_a_hidden_tab_reads_nothing_until_it_is_shown(open_socket, alice, bob, lunch):
    """What arrives on a page whose tab is hidden stays unread (counted in the lobby, left to
    Web Push and digests), and is read once the page says it is shown again."""
    await ajoin(bob, "lunch")
    room_socket = await open_socket("/ws/r/lunch/", bob)
    (before,) = await asay(lunch, alice, "while looking")
    await room_socket.receive_from(TIMEOUT)
    await read_tracker.flush()
    assert await database_sync_to_async(last_read)(lunch, bob) == before.id

    await room_socket.send_to(text_data=json.dumps({"type": "visibility", "visible": False}))
    (away,) = await asay(lunch, alice, "while away")
    assert "while away" in await room_socket.receive_from(TIMEOUT)
    await read_tracker.flush()
    assert await database_sync_to_async(last_read)(lunch, bob) == before.id

    await room_socket.send_to(text_data=json.dumps({"type": "visibility", "visible": True}))
    async with asyncio.timeout(TIMEOUT):
        while await database_sync_to_async(last_read)(lunch, bob) != away.id:
            await read_tracker.flush()
            await asyncio.sleep(0.01)
