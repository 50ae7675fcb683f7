"""A link preview reaching the room's sockets through the full ASGI application: posted on a
socket, the message arrives at once and its preview later, as the same article again
swapped in by id; a page that resumes from before the preview gets it."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from chat.models import LinkPreview, Message
from tests.support import hook_pool
from tests.support.hook_server import WAIT
from tests.support.page_server import body, og_page
from tests.support.sockets import CLIENT_ID, TIMEOUT, frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


async def frame_holding(socket, text: str) -> str:
    """The first frame ``socket`` receives that holds ``text`` (others are skipped)."""
    while True:
        received = await socket.receive_from(TIMEOUT)
        if text in received:
            return received


async def test_a_preview_reaches_every_socket_of_the_room_after_the_message(
    open_socket, alice, bob, lunch, page_server
):
    page_server.routes["/menu"] = body(og_page(title="Soup <b>today</b>", image=None))
    author = await open_socket("/ws/r/lunch/", alice)
    reader = await open_socket("/ws/r/lunch/", bob)

    await author.send_to(
        text_data=frame(body=f"look {page_server.url('/menu')}", client_id=CLIENT_ID)
    )

    first = await frame_holding(reader, "<article")
    assert "preview" not in first
    changed = await frame_holding(reader, '<aside class="preview"')
    message = await database_sync_to_async(Message.objects.get)()
    assert f'<article id="message-{message.id}"' in changed
    assert 'hx-swap-oob="outerHTML"' in changed
    assert "Soup &lt;b&gt;today&lt;/b&gt;" in changed
    assert '<aside class="preview"' in await frame_holding(author, '<aside class="preview"')


async def test_a_page_resuming_from_before_the_preview_gets_it(
    open_socket, alice, bob, lunch, page_server
):
    page_server.routes["/menu"] = body(og_page(image=None))
    author = await open_socket("/ws/r/lunch/", alice)
    await author.send_to(
        text_data=frame(body=f"look {page_server.url('/menu')}", client_id=CLIENT_ID)
    )
    await frame_holding(author, '<aside class="preview"')
    message = await database_sync_to_async(Message.objects.get)()
    assert await database_sync_to_async(LinkPreview.objects.filter(message=message).exists)()
    assert hook_pool.wait_idle(WAIT)

    reader = await open_socket("/ws/r/lunch/", bob)
    # The page saw the message as posted: one revision before its preview's.
    resume = {"type": "resume", "after": message.id, "cursor": message.revision - 1}
    await reader.send_to(text_data=json.dumps(resume))

    caught_up = await frame_holding(reader, f'id="message-{message.id}"')
    assert '<aside class="preview"' in caught_up
