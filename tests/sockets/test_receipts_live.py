"""Read receipts, live (``chat.broadcast.receipts``, ``chat.broadcast.reading``): when the
other person's page shows a message of a conversation of two, the writer's sockets receive
its "Seen", through the full ASGI application; never when either has receipts off, and
never in a room of more people."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from chat.broadcast.reading import read_tracker
from chat.models import Message, Profile
from tests.support.joining import ajoin
from tests.support.messages import asay, write_to
from tests.support.sockets import TIMEOUT, frame

pytestmark = pytest.mark.django_db(transaction=True)

SEEN = '<p id="seen" class="seen" hx-swap-oob="true"'


def seen_frame(reader, upto: int) -> str:
    return f'{SEEN} data-reader="{reader.pk}" data-upto="{upto}">Seen</p>'


async def next_seen(socket) -> str:
    """The next receipt ``socket`` receives, skipping other frames."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(SEEN):
            return html


async def no_receipt(socket) -> bool:
    """Whether ``socket`` receives nothing but other frames until it falls silent."""
    while not await socket.receive_nothing(timeout=0.3):
        if (await socket.receive_from(TIMEOUT)).startswith(SEEN):
            return False
    return True


@database_sync_to_async
def newest_of(author) -> int:
    return Message.objects.filter(author=author).latest("id").id


@database_sync_to_async
def receipts_off(person) -> None:
    Profile.objects.filter(user=person).update(send_receipts=False)


async def pair(open_socket, alice, bob):
    """alice and bob's conversation begun by alice, and a socket of each open on it."""
    await database_sync_to_async(write_to)(alice, bob, "hello")
    return await open_socket("/ws/p/bob/", alice), await open_socket("/ws/p/alice/", bob)


async def bob_shown(alice_socket, bob_socket, body: str) -> None:
    """alice says ``body``; bob's page shows it."""
    await alice_socket.send_to(text_data=frame(body=body))
    while body not in await bob_socket.receive_from(TIMEOUT):
        pass


async def test_the_writer_receives_seen_when_the_other_persons_page_shows_it(
    open_socket, alice, bob
):
    alice_socket, bob_socket = await pair(open_socket, alice, bob)

    await bob_shown(alice_socket, bob_socket, "lunch?")
    await read_tracker.flush()  # as its timer does, half a second later

    said = await newest_of(alice)
    assert await next_seen(alice_socket) == seen_frame(bob, said)
    # The same bytes reach bob's own sockets, whose page hides them by CSS.
    assert await next_seen(bob_socket) == seen_frame(bob, said)


async def test_no_receipt_is_sent_when_the_reader_has_receipts_off(open_socket, alice, bob):
    alice_socket, bob_socket = await pair(open_socket, alice, bob)
    await receipts_off(bob)

    await bob_shown(alice_socket, bob_socket, "lunch?")
    await read_tracker.flush()

    assert await no_receipt(alice_socket)


async def test_no_receipt_is_sent_to_a_writer_who_has_receipts_off(open_socket, alice, bob):
    alice_socket, bob_socket = await pair(open_socket, alice, bob)
    await receipts_off(alice)

    await bob_shown(alice_socket, bob_socket, "lunch?")
    await read_tracker.flush()

    assert await no_receipt(alice_socket)


async def test_no_receipt_in_a_room_of_more_people(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await asay(lunch, alice, "soup?")
    while "soup?" not in await bob_socket.receive_from(TIMEOUT):
        pass
    await read_tracker.flush()

    assert await no_receipt(alice_socket)


async def test_opening_the_page_sends_the_receipt_too(open_socket, login, alice, bob):
    alice_socket, _bob_socket = await pair(open_socket, alice, bob)
    client = await database_sync_to_async(login)(bob)

    response = await database_sync_to_async(client.get)("/p/alice/")

    assert response.status_code == 200
    assert await next_seen(alice_socket) == seen_frame(bob, await newest_of(alice))
