"""The room socket, driven through the full ASGI application with real session cookies."""

from __future__ import annotations

import json
import re
import time

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.template.backends.django import Template

from chat import fanout, messages, presence, rooms
from chat.consumers import RoomConsumer
from chat.limits import (
    FRAME_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    OTHER_FRAMES_PER_WINDOW,
    RESUME_MAX_MESSAGES,
)
from chat.models import Membership, Message, Room
from chat.reading import read_tracker
from tests.conftest import asay, refused_with
from tests.test_messages import edit_directly

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3
CLIENT_ID = "0b7e3c4e-9d2a-4f1e-8c55-3f1f0a6b2c11"


def frame(**fields) -> str:
    """A frame as the htmx ws extension sends it: the form's fields plus HEADERS."""
    return json.dumps({**fields, "HEADERS": {"HX-Request": "true", "HX-Trigger": "composer-form"}})


async def receive_frames(socket, count: int) -> list[str]:
    return [await socket.receive_from(timeout=TIMEOUT) for _ in range(count)]


async def drain(socket) -> list[str]:
    """Every frame the socket receives until it falls silent."""
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        frames.append(await socket.receive_from(TIMEOUT))
    return frames


def message_frames(frames: list[str]) -> list[str]:
    return [f for f in frames if f.startswith('<div id="messages" hx-swap-oob="beforeend">')]


@database_sync_to_async
def stored_bodies(room: Room) -> list[str]:
    return list(Message.objects.filter(room=room).order_by("id").values_list("body", flat=True))


# --- delivery ------------------------------------------------------------------


async def test_a_message_arriving_before_accept_is_left_to_the_resume(
    open_socket, alice, lunch, monkeypatch
):
    # The process joins the room's group before accepting (so an unreachable layer
    # refuses the socket); a message in between must not be sent on an unaccepted socket.
    real_accept = RoomConsumer.accept

    async def accept_after_a_message(self, *args, **kwargs):
        group = fanout.room_group(lunch.id)
        await fanout.fanout().dispatch(fanout.event(group, "chat.message", id=1, html="<p/>"))
        await real_accept(self, *args, **kwargs)

    monkeypatch.setattr(RoomConsumer, "accept", accept_after_a_message)
    socket = await open_socket("/ws/r/lunch/", alice)  # the first thing out is the accept

    assert await socket.receive_nothing(timeout=0.2)


async def test_message_reaches_every_socket_as_identical_html(open_socket, alice, bob, lunch):
    alice_tab1 = await open_socket("/ws/r/lunch/", alice)
    alice_tab2 = await open_socket("/ws/r/lunch/", alice)
    bob_tab = await open_socket("/ws/r/lunch/", bob)

    await alice_tab1.send_to(text_data=frame(body="Soup today?"))

    sender = message_frames(await receive_frames(alice_tab1, 2))
    others = [await alice_tab2.receive_from(TIMEOUT), await bob_tab.receive_from(TIMEOUT)]
    assert len(sender) == 1
    assert others == [sender[0], sender[0]]
    message = (await database_sync_to_async(list)(Message.objects.all()))[0]
    assert (
        f'<article id="message-{message.id}" class="message" data-author="{alice.id}" '
        f'data-revision="{message.revision}">' in (sender[0])
    )
    assert "Soup today?" in sender[0]


async def test_a_message_is_rendered_and_read_once_whatever_the_number_of_sockets(
    open_socket, alice, bob, mallory, lunch, monkeypatch
):
    # Equal strings on every socket would also come from rendering once per socket:
    # what is counted here is the work, templates rendered and queries made (in any
    # thread), from the post until every socket holds the frame.
    renders: list[str] = []
    queries: list[str] = []
    real_render, real_execute, real_executemany = (
        Template.render,
        CursorWrapper.execute,
        CursorWrapper.executemany,
    )

    def render(self, *args, **kwargs):
        renders.append(f"{self.origin.template_name}#{self.template.name}")
        return real_render(self, *args, **kwargs)

    def execute(self, sql, *args, **kwargs):
        queries.append(sql)
        return real_execute(self, sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        queries.append(sql)
        return real_executemany(self, sql, *args, **kwargs)

    monkeypatch.setattr(Template, "render", render)
    monkeypatch.setattr(CursorWrapper, "execute", execute)
    monkeypatch.setattr(CursorWrapper, "executemany", executemany)
    # Read positions are written in a batch half a second later, not while delivering.
    monkeypatch.setattr(read_tracker, "interval", 3600)

    async def work_to_deliver(sockets) -> tuple[list[str], int]:
        renders.clear()
        queries.clear()
        [posted] = await asay(lunch, alice, "Soup today?")
        for socket in sockets:
            assert f'id="message-{posted.id}"' in await socket.receive_from(TIMEOUT)
        return list(renders), len(queries)

    async def reader(person):
        socket = await open_socket("/ws/r/lunch/", person)
        # A page resumes as it opens; the answer comes once the socket is done opening.
        await socket.send_to(text_data=json.dumps({"type": "resume", "after": 0, "cursor": 0}))
        await socket.receive_from(TIMEOUT)
        return socket

    await asay(lunch, alice, "Anyone?")  # the first post reads what the next ones find ready
    sockets = [await reader(bob)]
    for_one = await work_to_deliver(sockets)
    sockets += [await reader(person) for person in (mallory, bob, mallory, bob)]
    for_five = await work_to_deliver(sockets)

    assert for_five == for_one
    assert len(for_one[0]) == 1, for_one[0]


async def test_a_stored_send_is_acknowledged_without_a_new_composer(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=frame(body="hi", client_id=CLIENT_ID))

    frames = await receive_frames(socket, 2)
    acks = [f for f in frames if not f.startswith('<div id="messages"')]
    stored = await database_sync_to_async(Message.objects.get)(body="hi")
    # It names the message the send was stored as: the page's "sending…" copy gives way.
    assert acks == [
        f'<div id="ack" hidden data-ack="{CLIENT_ID}" data-message="{stored.id}"></div>'
        '<div id="notice" class="notice" role="status"></div>'
    ]


async def test_resent_frame_is_stored_and_broadcast_once(open_socket, alice, bob, lunch):
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    for _ in range(2):
        await alice_socket.send_to(text_data=frame(body="only once", client_id=CLIENT_ID))
    answers = await receive_frames(alice_socket, 3)

    assert await stored_bodies(lunch) == ["only once"]
    assert len(message_frames(answers)) == 1
    stored = await database_sync_to_async(Message.objects.get)(body="only once")
    ack = f'<div id="ack" hidden data-ack="{CLIENT_ID}" data-message="{stored.id}">'
    assert len([a for a in answers if a.startswith(ack)]) == 2  # the resend's names it too
    assert "only once" in await bob_socket.receive_from(TIMEOUT)
    assert await bob_socket.receive_nothing(timeout=0.3)


async def test_malformed_client_id_gets_error_and_stores_nothing(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=frame(body="hi", client_id="not-a-uuid"))

    html = await socket.receive_from(TIMEOUT)
    assert "This page is out of date: reload it to send messages." in html
    assert await stored_bodies(lunch) == []


async def test_author_is_the_signed_in_user_never_a_field(open_socket, alice, bob, lunch):
    socket = await open_socket("/ws/r/lunch/", bob)

    await socket.send_to(text_data=frame(body="I am alice", author=alice.id, author_id=alice.id))
    await receive_frames(socket, 2)

    authors = await database_sync_to_async(list)(Message.objects.values_list("author", flat=True))
    assert authors == [bob.id]


async def test_message_body_is_escaped_in_the_frame(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=frame(body="<script>alert(1)</script>"))

    html = message_frames(await receive_frames(socket, 2))[0]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_outsider_sockets_in_other_rooms_receive_nothing(open_socket, alice, bob, lunch):
    await database_sync_to_async(rooms.create_room)(bob, {"title": "Tea", "kind": "public"})
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/tea/", bob)

    await alice_socket.send_to(text_data=frame(body="lunch only"))
    await receive_frames(alice_socket, 2)

    assert await bob_socket.receive_nothing(timeout=0.3)


async def test_http_post_reaches_live_sockets(open_socket, login, alice, bob, lunch):
    socket = await open_socket("/ws/r/lunch/", bob)
    client = await database_sync_to_async(login)(alice)

    response = await database_sync_to_async(client.post)("/r/lunch/", {"body": "from a form"})

    assert response.status_code == 302
    assert "from a form" in await socket.receive_from(TIMEOUT)


async def test_direct_room_socket_delivers_between_the_pair(open_socket, alice, bob):
    await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    alice_socket = await open_socket("/ws/p/bob/", alice)
    bob_socket = await open_socket("/ws/p/alice/", bob)

    await alice_socket.send_to(text_data=frame(body="psst"))

    assert "psst" in await bob_socket.receive_from(TIMEOUT)


# --- who may connect -------------------------------------------------------------
# Refusals that the page must act on are accepted and closed with a code that says why;
# sockets from another origin never get that far.


async def test_anonymous_socket_is_closed_as_signed_out(open_socket, lunch):
    socket = await open_socket("/ws/r/lunch/", None)

    await refused_with(socket, 4401)


async def test_wrong_origin_socket_is_refused_at_the_handshake(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice, origin=b"http://evil.example")

    assert not socket.accepted


async def test_socket_without_origin_is_refused_at_the_handshake(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice, origin=b"")

    assert not socket.accepted


async def test_non_member_cannot_listen_to_private_room(open_socket, mallory, secret):
    socket = await open_socket(f"/ws/r/{secret.slug}/", mallory)

    await refused_with(socket, 4403)


async def test_member_can_listen_to_private_room(open_socket, alice, secret):
    socket = await open_socket(f"/ws/r/{secret.slug}/", alice)

    assert await socket.receive_nothing(timeout=0.1)


async def test_unknown_room_is_closed_like_a_private_one(open_socket, alice):
    socket = await open_socket("/ws/r/nowhere/", alice)

    await refused_with(socket, 4403)


async def test_third_person_cannot_listen_to_direct_room(open_socket, alice, bob, mallory):
    await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    alice_socket = await open_socket("/ws/p/bob/", alice)
    # Mallory's sockets are her own conversations with each of them (none begun yet).
    snooping = [await open_socket(f"/ws/p/{name}/", mallory) for name in ("bob", "alice")]

    await alice_socket.send_to(text_data=frame(body="for bob only"))

    assert any("for bob only" in f for f in await drain(alice_socket))
    for socket in snooping:
        assert not any("for bob only" in f for f in await drain(socket))


async def test_unknown_user_direct_socket_is_closed(open_socket, alice):
    await refused_with(await open_socket("/ws/p/nobody/", alice), 4403)


# --- a direct conversation nobody has written in yet ----------------------------------
# Its page listens too: the first message (either person's, by form or by socket) makes
# the room, and each waiting socket joins it and receives the conversation so far.


async def test_a_waiting_direct_socket_receives_the_first_message_sent_by_form(
    open_socket, login, alice, bob
):
    bob_socket = await open_socket("/ws/p/alice/", bob)
    assert await bob_socket.receive_nothing(timeout=0.1)  # accepted, and waiting

    client = await database_sync_to_async(login)(alice)
    response = await database_sync_to_async(client.post)("/p/bob/", {"body": "first!"})

    assert response.status_code == 302
    frames = await drain(bob_socket)
    assert message_frames(frames), frames
    assert sum(f.count('class="message"') for f in message_frames(frames)) >= 1
    assert all("first!" in f for f in message_frames(frames))


async def test_the_first_message_sent_over_a_waiting_socket_opens_the_conversation(
    open_socket, alice, bob
):
    alice_socket = await open_socket("/ws/p/bob/", alice)
    bob_socket = await open_socket("/ws/p/alice/", bob)

    await alice_socket.send_to(text_data=frame(body="psst", client_id=CLIENT_ID))

    assert any(f'data-ack="{CLIENT_ID}"' in f for f in await drain(alice_socket))
    assert any("psst" in f for f in message_frames(await drain(bob_socket)))
    room = await database_sync_to_async(rooms.find_direct_room)(alice, bob)
    assert await stored_bodies(room) == ["psst"]

    # Both sockets are now the room's: the next message is live, once.
    await bob_socket.send_to(text_data=frame(body="hi"))
    assert [f.count('class="message"') for f in message_frames(await drain(alice_socket))] == [1]


async def test_an_empty_first_message_over_a_waiting_socket_opens_nothing(open_socket, alice, bob):
    alice_socket = await open_socket("/ws/p/bob/", alice)

    await alice_socket.send_to(text_data=frame(body="   ", client_id=CLIENT_ID))

    assert any(f.startswith('<div id="composer"') for f in await drain(alice_socket))
    assert not await database_sync_to_async(Room.objects.exists)()


async def test_a_waiting_direct_socket_hears_only_its_own_pair(
    open_socket, login, alice, bob, mallory
):
    mallory_socket = await open_socket("/ws/p/alice/", mallory)

    client = await database_sync_to_async(login)(alice)
    await database_sync_to_async(client.post)("/p/bob/", {"body": "for bob only"})

    assert not any("for bob only" in f for f in await drain(mallory_socket))


async def test_unreachable_layer_closes_with_try_again_later(
    open_socket, alice, lunch, monkeypatch
):
    async def unreachable(*args, **kwargs):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(fanout.Fanout, "attach", unreachable)

    await refused_with(await open_socket("/ws/r/lunch/", alice), 1013)


@pytest.mark.parametrize("path", ["/ws/anything/", "/ws/r/", "/elsewhere"])
async def test_a_socket_to_no_route_is_refused_quietly(open_socket, path, caplog):
    socket = await open_socket(path, None)

    assert not socket.accepted
    assert [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"}] == []


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

    monkeypatch.setattr(messages.Message.objects, "create", database_down)
    await socket.send_to(text_data=frame(body="keep me"))

    answer = await socket.receive_from(TIMEOUT)
    assert ">\nkeep me</textarea>" in answer
    assert "Your message could not be saved just now; it is still here, try again." in answer
    assert await socket.receive_nothing(timeout=0.2)


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


# --- sockets end with the right to them -------------------------------------------


async def test_logging_out_closes_that_sessions_sockets(open_socket, login, alice, bob, lunch):
    laptop = await database_sync_to_async(login)(alice)
    laptop_socket = await open_socket("/ws/r/lunch/", alice, client=laptop)
    phone_socket = await open_socket("/ws/r/lunch/", alice)  # another session of hers
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(laptop.post)("/accounts/logout/")

    assert await laptop_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert await phone_socket.receive_nothing(timeout=0.2)
    assert await bob_socket.receive_nothing(timeout=0.2)


async def test_removed_member_is_disconnected_at_once(open_socket, login, alice, bob, secret):
    await database_sync_to_async(rooms.add_member)(secret, alice, {"username": "bob"})
    bob_socket = await open_socket(f"/ws/r/{secret.slug}/", bob)
    client = await database_sync_to_async(login)(alice)

    await database_sync_to_async(client.post)(
        f"/r/{secret.slug}/members/remove", {"username": "bob"}
    )

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4403}
    await refused_with(await open_socket(f"/ws/r/{secret.slug}/", bob), 4403)


# --- reading --------------------------------------------------------------------


async def test_messages_shown_live_are_marked_read(open_socket, alice, bob, lunch):
    await database_sync_to_async(rooms.enter_room)(bob, "lunch")
    socket = await open_socket("/ws/r/lunch/", bob)
    posted = await asay(lunch, alice, "read me", "and me")
    await receive_frames(socket, 2)

    await read_tracker.flush()

    membership = await Membership.objects.aget(room=lunch, user=bob)
    assert membership.last_read == posted[-1].id


async def test_messages_shown_by_resume_are_marked_read(open_socket, alice, bob, lunch):
    await database_sync_to_async(rooms.enter_room)(bob, "lunch")
    posted = await asay(lunch, alice, "missed")
    socket = await open_socket("/ws/r/lunch/", bob)
    await socket.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    await socket.receive_from(TIMEOUT)

    await read_tracker.flush()

    membership = await Membership.objects.aget(room=lunch, user=bob)
    assert membership.last_read == posted[-1].id


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


# --- sockets end with the session ----------------------------------------------------


async def test_deactivating_an_account_closes_its_sockets(open_socket, alice, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    alice_socket = await open_socket("/ws/r/lunch/", alice)

    bob.is_active = False
    await bob.asave()

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert await alice_socket.receive_nothing(timeout=0.2)


async def test_an_account_deactivated_without_a_signal_may_not_post(open_socket, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    # As a script or a bulk admin action would: QuerySet.update() sends no signal, so
    # nothing tells the socket; it must find out as it stores the post.
    await get_user_model().objects.filter(pk=bob.pk).aupdate(is_active=False)

    await bob_socket.send_json_to({"body": "still here?"})

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert not await Message.objects.filter(body="still here?").aexists()


async def test_a_new_password_closes_the_sockets_of_other_sessions(open_socket, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    bob.set_password("A-whole-new-password-77")
    await bob.asave()

    # Its own code: the page takes the person to the login page saying why.
    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4402}


async def test_a_sign_in_elsewhere_leaves_sockets_open(open_socket, login, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(login)(bob)  # saves last_login, nothing else

    assert await bob_socket.receive_nothing(timeout=0.3)


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


# --- how many sockets one person holds ------------------------------------------


async def test_a_socket_past_the_persons_cap_is_refused_with_4409(
    open_socket, settings, alice, bob, lunch
):
    settings.CHAT_SOCKETS_PER_PERSON = 3
    held = [
        await open_socket("/ws/r/lunch/", alice),
        await open_socket("/ws/lobby/", alice),
        await open_socket("/ws/r/lunch/", alice),
    ]
    assert all(socket.accepted for socket in held)

    await refused_with(await open_socket("/ws/r/lunch/", alice), 4409)
    await refused_with(await open_socket("/ws/lobby/", alice), 4409)
    assert (await open_socket("/ws/r/lunch/", bob)).accepted  # the cap is each person's own

    await held.pop().disconnect()
    again = await open_socket("/ws/r/lunch/", alice)
    await again.send_to(text_data=frame(body="back in"))
    assert "back in" in "".join(await receive_frames(again, 2))


async def test_the_socket_cap_counts_the_sockets_other_processes_hold(
    open_socket, settings, alice, lunch
):
    settings.CHAT_SOCKETS_PER_PERSON = 3
    # What another server process writes for the two sockets of alice's it holds.
    cache.set(f"presence:{alice.pk}:elsewhere", 2, settings.CHAT_PRESENCE_SECONDS)
    cache.set("presence:processes", {"elsewhere": time.time()}, None)

    assert (await open_socket("/ws/r/lunch/", alice)).accepted
    await refused_with(await open_socket("/ws/r/lunch/", alice), 4409)
    # Written for the other processes to count: this one holds one of hers.
    assert cache.get(f"presence:{alice.pk}:{presence.PROCESS}") == 1
