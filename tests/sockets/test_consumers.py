"""The room socket (``chat.sockets.consumers``), driven through the full ASGI application
with real session cookies: what it delivers, to whom, and a direct conversation's socket
that waits for its first message."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.db.backends.utils import CursorWrapper
from django.template.backends.django import Template

from chat.broadcast import events, fanout
from chat.broadcast.reading import read_tracker
from chat.models import Message, Room
from chat.rooms import services as rooms
from chat.sockets.consumers import RoomConsumer
from tests.support.messages import asay, stored_bodies
from tests.support.sockets import (
    CLIENT_ID,
    TIMEOUT,
    drain,
    frame,
    message_frames,
    receive_frames,
)

pytestmark = pytest.mark.django_db(transaction=True)


# --- delivery ------------------------------------------------------------------


async def test_a_message_arriving_before_accept_is_left_to_the_resume(
    open_socket, alice, lunch, monkeypatch
):
    # The process joins the room's group before accepting (so an unreachable layer
    # refuses the socket); a message in between must not be sent on an unaccepted socket.
    real_accept = RoomConsumer.accept

    async def accept_after_a_message(self, *args, **kwargs):
        await fanout.fanout().dispatch(events.message(lunch.id, 1, 1, None, "<p/>"))
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
