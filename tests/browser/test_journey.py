"""Two people chat in a real browser against a real server (daphne in a child process).

Nothing here touches the database directly: people sign up, create and join a room and
talk through the pages and the room socket, the way they would in production. The
server is stopped and started again mid-conversation, and the pages must come back
by themselves with every message shown exactly once.
"""

from __future__ import annotations

import select
import signal
import socket
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    MESSAGES,
    RECONNECT_TIMEOUT_MS,
    cut_off,
    expect_conversation,
    meet_in_lunch,
    message_with,
    send,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


# --- the journey -------------------------------------------------------------------


def test_two_people_chat_live(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    conversation: list[tuple[str, str]] = []

    # Markup typed into a message is shown as text, live, once, on both pages.
    typed = "hello <b>bob</b>"
    send(alice, typed)
    conversation.append(("alice", typed))
    for person in (alice, bob):
        expect(message_with(person, "hello")).to_have_count(1)
        body = message_with(person, "hello").locator(".body")
        assert body.inner_text() == typed
        expect(body.locator("b")).to_have_count(0)
        expect(message_with(person, "hello").locator(".author")).to_have_text("alice")
    assert bob.page.url == f"{server.url}/r/lunch/"  # no reload, no navigation
    expect_conversation(alice, conversation)
    expect_conversation(bob, conversation)

    # Shift+Enter is a newline in the composer; only Enter sends.
    alice.composer.press_sequentially("line one")
    alice.composer.press("Shift+Enter")
    alice.composer.press_sequentially("line two")
    expect(alice.composer).to_have_value("line one\nline two")
    expect(alice.page.locator(MESSAGES)).to_have_count(1)  # nothing was sent yet
    alice.composer.press("Enter")
    expect(alice.composer).to_have_value("")
    conversation.append(("alice", "line one\nline two"))
    for person in (alice, bob):
        expect(message_with(person, "line two")).to_have_count(1)
        expect_conversation(person, conversation)

    # Bob answers, so both directions are covered.
    send(bob, "hi alice")
    conversation.append(("bob", "hi alice"))
    for person in (alice, bob):
        expect(message_with(person, "hi alice")).to_have_count(1)
        expect_conversation(person, conversation)

    # The server process goes away: both pages notice...
    cut_off(alice, bob)
    server.stop()
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "reconnecting")
    # ...and when it is back (same port, same database) both reconnect on their own.
    server.start()
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)

    send(alice, "after restart")
    conversation.append(("alice", "after restart"))
    for person in (alice, bob):
        expect(message_with(person, "after restart")).to_have_count(1)
    ids_a = expect_conversation(alice, conversation)
    ids_b = expect_conversation(bob, conversation)
    assert ids_a == ids_b

    # For a person to look at after a failing run; not compared with anything.
    bob.page.screenshot(path=server.log_path.with_name("room-bob.png"), full_page=True)


# Bob's network path to the server can be cut while Alice's stays up. Browser-level
# offline emulation does not reliably close or block WebSockets, and racing two
# pages' jittered reconnects after a restart proves nothing when Bob happens to win.
# Instead Bob's page gets a WebSocket whose target the test can redirect: while
# "cut", new sockets go to a TCP port that accepts and never answers (the handshake
# hangs, as with a dead network), so Bob cannot be connected when Alice posts.
# Everything else (htmx, the page's modules, the resume frame, the server) is the real thing.
WEBSOCKET_GATE = """
(() => {
  const RealWebSocket = window.WebSocket;
  const gate = { divertTo: null };
  window.__wsGate = gate;
  window.WebSocket = class extends RealWebSocket {
    constructor(url, protocols) { super(gate.divertTo || url, protocols); }
  };
})();
"""


@contextmanager
def black_hole() -> Iterator[tuple[str, Callable[[float], socket.socket]]]:
    """A ws:// URL whose handshakes hang, and a way to wait for someone to try it.

    On exit every connection is reset, which the page sees as an abnormal close (1006).
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    caught: list[socket.socket] = []

    def wait_for_attempt(timeout: float) -> socket.socket:
        readable, _, _ = select.select([listener], [], [], timeout)
        assert readable, f"nobody tried to connect within {timeout} s"
        connection, _ = listener.accept()
        caught.append(connection)
        return connection

    try:
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}/", wait_for_attempt
    finally:
        for connection in caught:  # RST, not FIN: like a network that gave up
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
        listener.close()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_missed_messages_arrive_after_reconnect(
    people, server: LiveServer, stop_signal: signal.Signals
) -> None:
    # The diverted URL is another port, which the page's CSP (connect-src 'self')
    # would refuse at once instead of letting it hang: Bob's page skips CSP here.
    alice, bob = meet_in_lunch(people, server, init_script=WEBSOCKET_GATE, bypass_csp=True)
    send(alice, "before the outage")
    conversation = [("alice", "before the outage")]
    expect(message_with(bob, "before the outage")).to_have_count(1)

    with black_hole() as (dead_end, wait_for_attempt):
        cut_off(alice, bob)
        bob.page.evaluate("url => { window.__wsGate.divertTo = url; }", dead_end)
        server.stop(stop_signal)  # a clean restart, or a crash mid-conversation
        for person in (alice, bob):
            expect(person.badge).to_have_attribute("data-state", "reconnecting")
        server.start()
        expect(alice.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)
        wait_for_attempt(RECONNECT_TIMEOUT_MS / 1000)  # Bob is trying, and stuck

        # Alice talks while Bob's socket is down.
        for text in ("while bob was away", "and one more"):
            send(alice, text)
            conversation.append(("alice", text))
            expect(message_with(alice, text)).to_have_count(1)
        expect(bob.badge).to_have_attribute("data-state", "reconnecting")
        expect(message_with(bob, "while bob was away")).to_have_count(0)

        bob.page.evaluate("() => { window.__wsGate.divertTo = null; }")
    # The hung handshake is reset; the ws extension retries, now to the real server,
    # and the page's resume frame fetches what Bob missed.
    expect(bob.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)
    for text in ("while bob was away", "and one more"):
        expect(message_with(bob, text)).to_have_count(1)

    # A live message after the catch-up: anything the resume duplicated would be
    # on the page before it, since one socket delivers frames in order.
    send(alice, "welcome back")
    conversation.append(("alice", "welcome back"))
    expect(message_with(bob, "welcome back")).to_have_count(1)
    assert expect_conversation(alice, conversation) == expect_conversation(bob, conversation)

    # A fresh load of the page agrees with what the socket built.
    bob.page.reload()
    expect(bob.badge).to_have_attribute("data-state", "live")
    expect_conversation(bob, conversation)


def test_a_message_sent_during_an_outage_reaches_a_page_that_had_none(
    people, server: LiveServer
) -> None:
    # Bob's page has received no message: it knows only the revision it was loaded at
    # (not 0: the room has said something before), and must resume from exactly that one.
    # Alice's message is stored while his socket is still down, so only his resume can
    # bring it.
    alice, bob = meet_in_lunch(people, server, init_script=WEBSOCKET_GATE, bypass_csp=True)
    send(alice, "M0")
    bob.page.reload()
    expect(bob.badge).to_have_attribute("data-state", "live")
    with black_hole() as (dead_end, wait_for_attempt):
        cut_off(alice, bob)
        bob.page.evaluate("url => { window.__wsGate.divertTo = url; }", dead_end)
        server.stop()
        for person in (alice, bob):
            expect(person.badge).to_have_attribute("data-state", "reconnecting")
        alice.composer.press_sequentially("M1")
        alice.composer.press("Enter")  # waits in Alice's page until the server is back
        server.start()
        expect(alice.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)
        expect(message_with(alice, "M1")).to_have_count(1)  # stored
        wait_for_attempt(RECONNECT_TIMEOUT_MS / 1000)  # Bob is trying, and stuck
        bob.page.evaluate("() => { window.__wsGate.divertTo = null; }")
    expect(bob.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)
    for text in ("M2", "M3"):
        send(alice, text)
    expect_conversation(bob, [("alice", f"M{n}") for n in range(4)])


def test_typing_on_while_a_send_is_pending_is_kept(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    # With the server away the send waits in the ws extension's queue, so the fresh
    # composer answering it certainly arrives after the next words were typed.
    cut_off(alice, bob)
    server.stop()
    expect(alice.badge).to_have_attribute("data-state", "reconnecting")

    alice.composer.press_sequentially("sent while offline")
    alice.composer.press("Enter")
    expect(alice.composer).to_have_value("")
    alice.composer.press_sequentially("second thought")
    server.start()
    # Reconnecting waits a jittered backoff of up to 10 s, grown while the server was away.
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)

    expect(message_with(bob, "sent while offline")).to_have_count(1)
    expect(message_with(alice, "sent while offline")).to_have_count(1)
    expect(alice.composer).to_have_value("second thought")
    expect(alice.composer).to_be_focused()
    expect_conversation(bob, [("alice", "sent while offline")])


def test_while_offline_a_send_shows_as_pending_and_nobody_as_online(people, server) -> None:
    alice, bob = meet_in_lunch(people, server)
    dot = alice.page.locator("#members li", has_text="bob").locator(".presence")
    online = dot.evaluate("e => getComputedStyle(e).backgroundColor")
    cut_off(alice, bob)
    server.stop()
    expect(alice.badge).to_have_attribute("data-state", "reconnecting")
    # The page cannot know who is here while its own connection is down.
    expect(dot).not_to_have_css("background-color", online)

    alice.composer.press_sequentially("sent in the dark")
    alice.composer.press("Enter")
    pending = alice.page.locator("#messages article.pending")
    expect(pending).to_contain_text("sent in the dark")
    expect(pending).to_contain_text("sending…")
    expect(alice.page.locator(MESSAGES)).to_have_count(0)

    server.start()
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)
    expect_conversation(alice, [("alice", "sent in the dark")])
    expect(pending).to_have_count(0)
    expect_conversation(bob, [("alice", "sent in the dark")])
    expect(dot).to_have_css("background-color", online)


# exactly as the page (static/chat/js/room-sync.js) would send it.
CAPTURE_SOCKETS = """
(() => {
  const RealWebSocket = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends RealWebSocket {
    constructor(url, protocols) { super(url, protocols); window.__sockets.push(this); }
  };
})();
"""


def test_a_resume_from_the_start_shows_each_message_once(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server, init_script=CAPTURE_SOCKETS)
    conversation = []
    for text in ("one", "two", "three"):
        send(alice, text)
        conversation.append(("alice", text))
    expect_conversation(bob, conversation)

    # Every message arrives again, over the live socket: the page replaces each copy.
    bob.page.evaluate(
        """() => window.__sockets.at(-1).send(
            JSON.stringify({type: "resume", after: 0, cursor: 0}))"""
    )
    send(alice, "four")  # after the resume's answer on the same socket
    conversation.append(("alice", "four"))

    expect_conversation(bob, conversation)


def test_message_typed_offline_is_sent_once_when_back_online(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)

    cut_off(alice)
    alice.context.set_offline(True)
    alice.composer.press_sequentially("typed on the train")
    alice.composer.press("Enter")
    expect(alice.composer).to_have_value("")
    alice.context.set_offline(False)
    expect(alice.badge).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)

    for person in (alice, bob):
        expect(message_with(person, "typed on the train")).to_have_count(1)
    send(alice, "and back")
    for person in (alice, bob):
        expect_conversation(person, [("alice", "typed on the train"), ("alice", "and back")])
    bob.page.reload()
    expect_conversation(bob, [("alice", "typed on the train"), ("alice", "and back")])
