"""A room's admin, seen live through the full ASGI application: every open page of a room
takes its new name and its archived state; a room made private closes its former readers'
sockets at once (and they lose its page and its search results with them); a deleted
room closes every socket of it; lobbies follow."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from chat.messages import search
from chat.models import Message, Room
from chat.rooms import admin as room_admin
from chat.sockets.persons import CLOSE_NOT_ALLOWED
from tests.support.joining import ajoin
from tests.support.messages import asay
from tests.support.search import found_bodies
from tests.support.sockets import TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = '<div id="room-title" class="room-title" hx-swap-oob="true"'
MINE = '<div id="lobby-mine"'
PUBLIC_ROOMS = '<div id="public-rooms" hx-swap-oob="true">'
SIDEBAR = '<div id="sidebar-list"'

rename = database_sync_to_async(room_admin.rename)
convert = database_sync_to_async(room_admin.convert)
archive = database_sync_to_async(room_admin.archive)
unarchive = database_sync_to_async(room_admin.unarchive)
delete = database_sync_to_async(room_admin.delete)
found = database_sync_to_async(lambda person, words: found_bodies(search.search(person, words)))


async def next_frame(socket, prefix: str) -> str:
    """The next frame ``socket`` receives that starts with ``prefix``, skipping others."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(prefix):
            return html


async def closed_with(socket, code: int) -> None:
    """Assert ``socket`` is closed by the server with ``code`` (frames before it skipped)."""
    while True:
        output = await socket.receive_output(TIMEOUT)
        if output["type"] == "websocket.close":
            assert output == {"type": "websocket.close", "code": code}
            return


def posted(body: str) -> str:
    return json.dumps({"body": body, "HEADERS": {"HX-Request": "true"}})


async def test_every_page_of_the_room_sees_the_new_name(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    alices = await open_socket("/ws/r/lunch/", alice)
    bobs = await open_socket("/ws/r/lunch/", bob)

    await rename(lunch, alice, {"title": "Brunch <3"})

    for socket in (alices, bobs):
        html = await next_frame(socket, TITLE)
        assert html.startswith(
            f'{TITLE} data-page-title="Brunch &lt;3 · Chat"><h1>Brunch &lt;3</h1></div>'
        )
        assert '<span id="room-kind" class="kind" hx-swap-oob="true">Public</span>' in html
    # The address stayed: a socket opened by the old link still joins the room.
    assert (await open_socket("/ws/r/lunch/", bob)).accepted


async def test_lobbies_and_sidebars_list_the_new_name(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    lobby = await open_socket("/ws/lobby/?public=1", bob)
    sidebar = await open_socket("/ws/sidebar/?here=/r/lunch/", bob)
    await next_frame(lobby, MINE)  # rendered on opening, out of the way
    await next_frame(sidebar, SIDEBAR)

    await rename(lunch, alice, {"title": "Brunch"})

    assert '<a href="/r/lunch/">Brunch</a>' in await next_frame(lobby, PUBLIC_ROOMS)
    assert '<a href="/r/lunch/">Brunch</a>' in await next_frame(lobby, MINE)
    assert '<span class="name">Brunch</span>' in await next_frame(sidebar, SIDEBAR)


async def test_archiving_replaces_every_composer_and_refuses_socket_posts(
    open_socket, alice, bob, lunch
):
    await ajoin(bob, "lunch")
    bobs = await open_socket("/ws/r/lunch/", bob)

    await archive(lunch, alice)

    html = await next_frame(bobs, TITLE)
    assert '<div id="writing" class="writing" hx-swap-oob="true"><div id="archived-notice"' in html
    assert '<a class="admin-only" href="/r/lunch/settings">Unarchive…</a>' in html

    await bobs.send_to(text_data=posted("anyone here?"))

    answer = await bobs.receive_from(TIMEOUT)
    assert "This room is archived: it is read-only until it is unarchived." in answer
    assert not await database_sync_to_async(Message.objects.exists)()


async def test_unarchiving_tells_every_page_and_lets_posts_in_again(open_socket, alice, lunch):
    await archive(lunch, alice)
    socket = await open_socket("/ws/r/lunch/", alice)

    await unarchive(lunch, alice)

    html = await next_frame(socket, TITLE)
    assert "This room is open again" in html and 'href="/r/lunch/"' in html
    await socket.send_to(text_data=posted("back"))
    assert '<div id="ack"' in await next_frame(socket, '<div id="ack"')


async def test_archiving_takes_the_room_out_of_the_public_lobby(open_socket, alice, lunch):
    lobby = await open_socket("/ws/lobby/?public=1", alice)

    await archive(lunch, alice)

    assert "/r/lunch/" not in await next_frame(lobby, PUBLIC_ROOMS)


async def test_a_converted_rooms_former_readers_lose_the_page_the_socket_and_search_at_once(
    open_socket, login, alice, bob, mallory, lunch
):
    await ajoin(bob, "lunch")
    await asay(lunch, alice, "the soup recipe")
    # mallory reads it without being a member: her page's socket, and search.
    mallorys = await open_socket("/ws/r/lunch/", mallory)
    public_lobby = await open_socket("/ws/lobby/?public=1", mallory)
    bobs = await open_socket("/ws/r/lunch/", bob)
    assert mallorys.accepted and await found(mallory, "recipe") == ["the soup recipe"]

    await convert(lunch, alice, {"kind": "private", "confirmed": "1"})

    await closed_with(mallorys, CLOSE_NOT_ALLOWED)
    assert await found(mallory, "recipe") == []
    client = await database_sync_to_async(login)(mallory)
    assert (await database_sync_to_async(client.get)("/r/lunch/")).status_code == 404
    assert "/r/lunch/" not in await next_frame(public_lobby, PUBLIC_ROOMS)
    # A member keeps it all: the socket stays, and hears the new kind.
    assert '<span id="room-kind" class="kind" hx-swap-oob="true">Private</span>' in (
        await next_frame(bobs, TITLE)
    )
    assert await found(bob, "recipe") == ["the soup recipe"]
    await asay(lunch, alice, "still here")
    assert "still here" in await next_frame(bobs, '<div id="messages"')
    # And she cannot come back by the old link.
    refused = await open_socket("/ws/r/lunch/", mallory)
    await closed_with(refused, CLOSE_NOT_ALLOWED)


async def test_a_room_made_public_joins_the_public_lobby(open_socket, alice, mallory, secret):
    lobby = await open_socket("/ws/lobby/?public=1", mallory)

    await convert(secret, alice, {"kind": "public", "confirmed": "1"})

    assert f'<a href="/r/{secret.slug}/">Secret plans</a>' in await next_frame(lobby, PUBLIC_ROOMS)
    assert (await open_socket(f"/ws/r/{secret.slug}/", mallory)).accepted


async def test_deleting_closes_every_socket_and_updates_lobbies(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    sockets = [await open_socket("/ws/r/lunch/", person) for person in (alice, bob)]
    lobby = await open_socket("/ws/lobby/?public=1", bob)
    await next_frame(lobby, MINE)

    await delete(lunch, alice, {"confirm": "Lunch"})

    for socket in sockets:
        await closed_with(socket, CLOSE_NOT_ALLOWED)
    assert "/r/lunch/" not in await next_frame(lobby, PUBLIC_ROOMS)
    assert "/r/lunch/" not in await next_frame(lobby, MINE)
    assert not await database_sync_to_async(Room.objects.exists)()
