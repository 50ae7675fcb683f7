"""What the room socket (``chat.sockets.consumers``) answers to frames it cannot store: bad
input, frames found by fuzzing, posts past the posting limit, and a database that fails,
through the full ASGI application."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from chat.limits import FRAME_MAX_CHARS, MESSAGE_MAX_CHARS, OTHER_FRAMES_PER_WINDOW
from chat.messages import posting as messages
from tests.support.messages import stored_bodies
from tests.support.sockets import (
    CLIENT_ID,
    TIMEOUT,
    drain,
    frame,
    message_frames,
    receive_frames,
)

pytestmark = pytest.mark.django_db(transaction=True)


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["not json", "[1, 2]", '"a string"', "null", "{"],
    ids=["text", "array", "string", "null", "truncated"],
)
async def test_unreadable_frame_gets_notice_and_stores_nothing(open_socket, alice, lunch, text):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=text)

    assert await socket.receive_from(TIMEOUT) == (
        '<div id="notice" class="notice" role="status">'
        "That message could not be read; nothing was sent.</div>"
    )
    assert await stored_bodies(lunch) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "Write something before sending."),
        ({"body": "   \n\t "}, "Write something before sending."),
        ({"body": 42}, "Write something before sending."),
        ({"body": ["a"]}, "Write something before sending."),
        (
            {"body": "x" * (MESSAGE_MAX_CHARS + 1)},
            "Messages are at most 4,000 characters (this one has 4,001).",
        ),
    ],
    ids=["missing", "blank", "number", "list", "too-long"],
)
async def test_invalid_body_gets_error_composer_and_stores_nothing(
    open_socket, alice, lunch, fields, error
):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=frame(**fields))

    html = await socket.receive_from(TIMEOUT)
    assert html.startswith('<div id="composer"')
    assert f'<p class="error" role="alert">{error}</p>' in html
    assert await stored_bodies(lunch) == []


async def test_too_long_body_is_kept_in_the_composer(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)
    body = "y" * (MESSAGE_MAX_CHARS + 1)

    await socket.send_to(text_data=frame(body=body))

    assert f">\n{body}</textarea>" in await socket.receive_from(TIMEOUT)


async def test_body_is_stripped_before_storing(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=frame(body="  padded \n"))
    await receive_frames(socket, 2)

    assert await stored_bodies(lunch) == ["padded"]


async def test_binary_frame_closes_with_1003(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(bytes_data=b'{"body": "hi"}')

    assert await socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 1003}
    assert await stored_bodies(lunch) == []


async def test_oversized_frame_closes_with_1009(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=frame(body="z" * FRAME_MAX_CHARS))

    assert await socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 1009}
    assert await stored_bodies(lunch) == []


async def test_flood_of_bad_frames_closes_the_socket(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    for _ in range(OTHER_FRAMES_PER_WINDOW + 1):
        await socket.send_to(text_data="garbage")
    answers = [await socket.receive_output(TIMEOUT) for _ in range(OTHER_FRAMES_PER_WINDOW + 1)]

    assert answers[-1] == {"type": "websocket.close", "code": 4429}


async def test_the_21st_post_in_10_seconds_is_refused_and_kept(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    for n in range(20):
        await socket.send_to(text_data=frame(body=f"msg {n}"))
        await receive_frames(socket, 2)
    await socket.send_to(text_data=frame(body="one too many", client_id=CLIENT_ID))

    answer = await socket.receive_from(TIMEOUT)
    assert answer.startswith(f'<div id="composer" class="composer" data-ack="{CLIENT_ID}">')
    assert ">\none too many</textarea>" in answer
    # The notice says how long it holds, the same wait as its words, for the page to clear it.
    notice = re.search(
        r'<div id="notice" class="notice" role="status" data-clear-after="(\d+)">'
        r"You are sending messages too fast\. Wait (\d+) s; your text is kept\.",
        answer,
    )
    assert notice and notice[1] == notice[2], answer
    assert await stored_bodies(lunch) == [f"msg {n}" for n in range(20)]


async def test_posts_refused_by_the_limit_count_towards_the_flood(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)
    for n in range(20):
        await socket.send_to(text_data=frame(body=f"msg {n}"))
        await receive_frames(socket, 2)

    # Each refusal is answered (the text kept) until the socket's budget of frames that
    # store nothing is spent: 20 in 10 s, as for bad frames. The next one closes it.
    for n in range(OTHER_FRAMES_PER_WINDOW):
        await socket.send_to(text_data=frame(body=f"too many {n}"))
        assert "You are sending messages too fast" in await socket.receive_from(TIMEOUT)
    await socket.send_to(text_data=frame(body="and one more"))

    assert await socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4429}
    assert await stored_bodies(lunch) == [f"msg {n}" for n in range(20)]


async def test_the_posting_limit_is_per_person_across_sockets(open_socket, alice, bob, lunch):
    tabs = [await open_socket("/ws/r/lunch/", alice) for _ in range(5)]

    for n in range(20):
        for tab_number, tab in enumerate(tabs):
            await tab.send_to(text_data=frame(body=f"tab {tab_number} msg {n}"))
    frames = [f for tab in tabs for f in await drain(tab)]

    assert len(await stored_bodies(lunch)) == 20
    assert sum("You are sending messages too fast" in f for f in frames) == 80
    assert len(message_frames(frames)) == 20 * len(tabs)  # each tab shows the 20 once


async def test_the_posting_limit_counts_the_form_and_the_socket_together(
    open_socket, login, alice, lunch
):
    client = await database_sync_to_async(login)(alice)
    for n in range(15):
        await database_sync_to_async(client.post)("/r/lunch/", {"body": f"form {n}"})
    socket = await open_socket("/ws/r/lunch/", alice)

    for n in range(6):
        await socket.send_to(text_data=frame(body=f"socket {n}"))
    answers = await receive_frames(socket, 11)

    assert len(await stored_bodies(lunch)) == 20
    assert sum("You are sending messages too fast" in answer for answer in answers) == 1


async def test_database_failure_keeps_the_text_and_says_so(open_socket, alice, lunch, monkeypatch):
    socket = await open_socket("/ws/r/lunch/", alice)

    def database_down(*args, **kwargs):
        raise OperationalError("database is unavailable")

    monkeypatch.setattr(messages._NEW_MESSAGE, "save", database_down)
    await socket.send_to(text_data=frame(body="keep me"))

    answer = await socket.receive_from(TIMEOUT)
    assert ">\nkeep me</textarea>" in answer
    assert "Your message could not be saved just now; it is still here, try again." in answer
    assert await socket.receive_nothing(timeout=0.2)


# --- frames found by fuzzing ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ('{"body": "\\ud800"}', "This message contains characters that are not valid text."),
        ('{"body": "a\\ud800b"}', "This message contains characters that are not valid text."),
        ('{"body": "hi", "client_id": "\\ud800"}', "This page is out of date: reload it to send"),
        ('{"body": "\\u200b\\u200b\\u2060"}', "Write something before sending."),
        ('{"body": "hi", "client_id": 5}', "This page is out of date: reload it to send messages."),
        ("[" * 5000 + "]" * 5000, "That message could not be read; nothing was sent."),
    ],
    ids=[
        "lone-surrogate",
        "surrogate-inside",
        "surrogate-client-id",
        "zero-width-only",
        "numeric-client-id",
        "deep-nesting",
    ],
)
async def test_frames_found_by_fuzzing_get_an_answer_and_store_nothing(
    open_socket, alice, lunch, text, answer
):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=text)

    assert answer in await socket.receive_from(TIMEOUT)
    assert await stored_bodies(lunch) == []


async def test_the_refused_text_comes_back_encodable(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data='{"body": "a\\ud800b"}')

    answer = await socket.receive_from(TIMEOUT)  # encoded as daphne would: no error
    assert ">\na\ufffdb</textarea>" in answer
