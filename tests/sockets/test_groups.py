"""A group conversation's sockets through the full ASGI application: ``/ws/g/<key>/``
delivers between its people only, a new group reaches the others' lobbies and sidebars at
once, and someone who leaves has their sockets closed at once."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from chat.links import BY_GROUP
from chat.rooms import groups
from chat.rooms import services as rooms
from tests.support.groups import names, page_of, start_group
from tests.support.sockets import TIMEOUT, frame, refused_with

pytestmark = pytest.mark.django_db(transaction=True)

MINE = '<div id="lobby-mine"'
SIDEBAR = '<div id="sidebar-list" class="sidebar-list" hx-swap-oob="true">'


def socket_of(room) -> str:
    return f"/ws/g/{BY_GROUP.key_of(room.slug)}/"


async def frame_holding(socket, start: str, text: str) -> str:
    """The first frame starting with ``start`` that holds ``text`` (the render on opening
    may come first)."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(start) and text in html:
            return html


async def test_a_message_reaches_the_other_two_live(open_socket, alice, bob, carol):
    room = await database_sync_to_async(start_group)(alice, bob, carol)
    sockets = [await open_socket(socket_of(room), person) for person in (alice, bob, carol)]

    await sockets[0].send_to(text_data=frame(body="hello both"))

    for socket in sockets[1:]:
        assert "hello both" in await frame_holding(socket, '<div id="messages"', "hello both")


async def test_a_non_member_is_refused(open_socket, alice, bob, carol, mallory):
    room = await database_sync_to_async(start_group)(alice, bob, carol)

    await refused_with(await open_socket(socket_of(room), mallory), 4403)
    await refused_with(await open_socket("/ws/g/0000000000/", alice), 4403)


async def test_a_new_group_appears_in_the_others_lobbies_at_once(open_socket, alice, bob, carol):
    lobby = await open_socket("/ws/lobby/", bob)
    sidebar = await open_socket("/ws/sidebar/?here=/", carol)

    room = await database_sync_to_async(groups.start)(alice, names(["bob", "carol"]))

    link = f'<a href="{page_of(room)}">alice, carol</a>'
    assert link in await frame_holding(lobby, MINE, link)
    assert "alice, bob" in await frame_holding(sidebar, SIDEBAR, page_of(room))


async def test_whoever_leaves_is_disconnected_at_once(open_socket, login, alice, bob, carol):
    room = await database_sync_to_async(start_group)(alice, bob, carol)
    carol_socket = await open_socket(socket_of(room), carol)
    client = await database_sync_to_async(login)(carol)

    await database_sync_to_async(client.post)(
        f"{page_of(room)}members/remove", {"username": "carol"}
    )

    assert await carol_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4403}
    await refused_with(await open_socket(socket_of(room), carol), 4403)


async def test_the_others_lobbies_rename_the_group_when_someone_joins(
    open_socket, alice, bob, carol, mallory
):
    room = await database_sync_to_async(start_group)(alice, bob, carol)
    lobby = await open_socket("/ws/lobby/", bob)

    await database_sync_to_async(rooms.add_member)(room, carol, {"username": "mallory"})

    link = f'<a href="{page_of(room)}">alice, carol, mallory</a>'
    assert link in await frame_holding(lobby, MINE, link)
