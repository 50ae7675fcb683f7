"""Whether a person has a tab shown (``chat.broadcast.visibility``), as their sockets say it
(``{"type": "visibility", "visible": …}``), and what it means for Web Push: nothing is
pushed to someone looking at the chat; something is once their tabs are hidden or closed."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async

from chat.broadcast import visibility
from chat.people import push
from chat.rooms import services as rooms
from tests.support.messages import asay
from tests.support.sockets import TIMEOUT, frame

pytestmark = pytest.mark.django_db(transaction=True)


async def looking_becomes(user_id: int, wanted: bool) -> None:
    """Wait until the server holds ``user_id`` as looking (or not), as the frames say."""
    async with asyncio.timeout(TIMEOUT):
        while (user_id in await database_sync_to_async(visibility.looking)([user_id])) != wanted:
            await asyncio.sleep(0.01)


async def say_shown(socket, shown: bool) -> None:
    await socket.send_to(text_data=json.dumps({"type": "visibility", "visible": shown}))


@pytest.mark.parametrize("path", ["/ws/lobby/", "/ws/p/alice/"])
async def test_a_shown_tab_holds_pushes_back_and_a_hidden_one_lets_them_through(
    open_socket, push_endpoint, alice, bob, path
):
    device = push_endpoint.device("phone")
    await database_sync_to_async(push.subscribe)(bob, device.subscription)
    room = await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    socket = await open_socket(path, bob)
    assert socket.accepted

    await say_shown(socket, True)
    await looking_becomes(bob.pk, True)
    await asay(room, alice, "are you there?")
    assert push_endpoint.to(device) == []

    await say_shown(socket, False)
    await looking_becomes(bob.pk, False)
    await asay(room, alice, "hello?")
    assert len(push_endpoint.to(device)) == 1


async def test_closing_a_shown_tab_lets_pushes_through(open_socket, push_endpoint, alice, bob):
    device = push_endpoint.device("phone")
    await database_sync_to_async(push.subscribe)(bob, device.subscription)
    room = await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    shown = await open_socket("/ws/lobby/", bob)
    hidden = await open_socket("/ws/lobby/", bob)
    await say_shown(shown, True)
    await say_shown(hidden, False)
    await looking_becomes(bob.pk, True)

    await shown.disconnect()
    await looking_becomes(bob.pk, False)
    await asay(room, alice, "hello?")

    assert len(push_endpoint.to(device)) == 1


async def test_a_socket_that_never_says_counts_as_hidden(open_socket, alice, bob):
    socket = await open_socket("/ws/lobby/", bob)
    await socket.send_to(text_data=json.dumps({"type": "visibility", "visible": "yes"}))
    await socket.send_to(text_data="not json")

    assert await database_sync_to_async(visibility.looking)([bob.pk]) == set()


async def test_two_shown_tabs_count_until_both_are_hidden(open_socket, bob):
    first = await open_socket("/ws/lobby/", bob)
    second = await open_socket("/ws/lobby/", bob)
    await say_shown(first, True)
    await say_shown(second, True)
    await say_shown(second, True)  # said twice, counted once
    await say_shown(first, False)
    await looking_becomes(bob.pk, True)

    await say_shown(second, False)
    await looking_becomes(bob.pk, False)


async def test_a_message_sent_over_a_socket_is_pushed_too(open_socket, push_endpoint, alice, bob):
    device = push_endpoint.device("phone")
    await database_sync_to_async(push.subscribe)(bob, device.subscription)
    await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    socket = await open_socket("/ws/p/bob/", alice)

    await socket.send_to(text_data=frame(body="over the socket", client_id=str(uuid.uuid4())))

    async with asyncio.timeout(TIMEOUT):
        while not push_endpoint.to(device):
            await asyncio.sleep(0.01)
    [received] = push_endpoint.to(device)
    assert device.decrypt(received.body)["body"] == "over the socket"
