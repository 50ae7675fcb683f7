"""The room socket (``chat.sockets.consumers``) catching a page up: a resume after the
messages it has, the read positions of what it shows, and a resync after the process was
cut off from the channel layer, through the full ASGI application."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from chat.broadcast import fanout
from chat.broadcast.reading import read_tracker
from chat.limits import RESUME_MAX_MESSAGES
from chat.messages import posting as messages
from chat.models import Membership
from tests.support.joining import ajoin
from tests.support.messages import asay, edit_directly
from tests.support.sockets import TIMEOUT, receive_frames

pytestmark = pytest.mark.django_db(transaction=True)


# --- resume ---------------------------------------------------------------------


async def test_resume_returns_exactly_the_missed_messages_in_order(open_socket, alice, bob, lunch):
    seen = await asay(lunch, alice, "one", "two")
    missed = await asay(lunch, alice, "three", "four", "five")
    socket = await open_socket("/ws/r/lunch/", bob)

    await socket.send_to(text_data=json.dumps({"type": "resume", "after": seen[-1].id}))

    html = await socket.receive_from(TIMEOUT)
    ids = [f'id="message-{m.id}"' for m in missed]
    assert [html.index(i) for i in ids] == sorted(html.index(i) for i in ids)
    assert all(f'id="message-{m.id}"' not in html for m in seen)
    assert html.count("<article") == 3
    assert await socket.receive_nothing(timeout=0.2)


async def test_resume_with_nothing_missed_sends_nothing(open_socket, alice, lunch):
    posted = await asay(lunch, alice, "one")
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=json.dumps({"type": "resume", "after": posted[-1].id}))

    assert await socket.receive_nothing(timeout=0.3)


async def test_resume_by_cursor_returns_changes_and_the_new_cursor(open_socket, alice, bob, lunch):
    posted = await asay(lunch, alice, "one", "two")
    cursor = posted[-1].revision
    edited = await database_sync_to_async(edit_directly)(posted[0], "one, edited")
    new = (await asay(lunch, alice, "three"))[0]
    socket = await open_socket("/ws/r/lunch/", bob)

    await socket.send_to(
        text_data=json.dumps({"type": "resume", "after": posted[-1].id, "cursor": cursor})
    )

    html = await socket.receive_from(TIMEOUT)
    assert html.startswith('<div id="messages" hx-swap-oob="beforeend">')
    assert html.index(f'id="message-{edited.id}"') < html.index(f'id="message-{new.id}"')
    assert "one, edited" in html
    assert f'data-revision="{edited.revision}"' in html
    assert html.endswith(f'<div id="cursor" hidden data-revision="{new.revision}"></div>')
    assert f'id="message-{posted[1].id}"' not in html


async def test_resume_after_long_absence_replaces_the_list_with_latest_page(
    open_socket, alice, lunch
):
    await asay(lunch, alice, *[f"m{n}" for n in range(RESUME_MAX_MESSAGES + 2)])
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=json.dumps({"type": "resume", "after": 0}))

    html = await socket.receive_from(TIMEOUT)
    assert html.startswith('<div id="messages" class="messages" hx-swap-oob="true">')
    assert html.count("<article") == 50
    assert 'hx-get="/r/lunch/messages?before=' in html
    assert f"m{RESUME_MAX_MESSAGES + 1}</p>" in html


@pytest.mark.parametrize(
    "fields",
    [
        {"after": "5"},
        {"after": -1},
        {"after": None},
        {"after": True},
        {"after": 1.5},
        {"after": 2**64},
        {"after": 1, "cursor": "2"},
        {"after": 1, "cursor": -2},
    ],
)
async def test_malformed_resume_gets_notice(open_socket, alice, lunch, fields):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=json.dumps({"type": "resume", **fields}))

    assert "resume request was malformed" in await socket.receive_from(TIMEOUT)


# --- reading --------------------------------------------------------------------


async def test_messages_shown_live_are_marked_read(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    socket = await open_socket("/ws/r/lunch/", bob)
    posted = await asay(lunch, alice, "read me", "and me")
    await receive_frames(socket, 2)

    await read_tracker.flush()

    membership = await Membership.objects.aget(room=lunch, user=bob)
    assert membership.last_read == posted[-1].id


async def test_messages_shown_by_resume_are_marked_read(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    posted = await asay(lunch, alice, "missed")
    socket = await open_socket("/ws/r/lunch/", bob)
    await socket.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    await socket.receive_from(TIMEOUT)

    await read_tracker.flush()

    membership = await Membership.objects.aget(room=lunch, user=bob)
    assert membership.last_read == posted[-1].id


# --- after the layer was cut off ---------------------------------------------------------


async def test_resync_sends_what_was_missed_since_the_page_was_complete(
    open_socket, alice, bob, lunch
):
    socket = await open_socket("/ws/r/lunch/", bob)
    await socket.send_to(text_data=json.dumps({"type": "resume", "after": 0, "cursor": 0}))
    assert await socket.receive_nothing(timeout=0.2)  # nothing yet, and now in sync
    # Stored while this process heard nothing (no event reaches the socket):
    missed = await database_sync_to_async(messages._store)(lunch, alice, {"body": "lost"})

    await fanout.fanout().resync()

    html = await socket.receive_from(TIMEOUT)
    assert f'id="message-{missed.message.id}"' in html
    assert html.endswith(
        f'<div id="cursor" hidden data-revision="{missed.message.revision}"></div>'
    )
