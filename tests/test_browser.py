"""Two people chat in a real browser against a real server (daphne in a child process).

Nothing here touches the database directly: people sign up, create and join a room and
talk through the pages and the room socket, the way they would in production. The
server is stopped and started again mid-conversation, and the pages must come back
by themselves with every message shown exactly once.
"""

from __future__ import annotations

import re
import select
import signal
import socket
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from bench.accounts import PASSWORD
from tests.browsing import (
    MESSAGES,
    RECONNECT_TIMEOUT_MS,
    Person,
    create_room,
    cut_off,
    expect_conversation,
    meet_in_lunch,
    message_with,
    screenshot,
    send,
    sign_up,
    watch_console,
)
from tests.live_server import LiveServer

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
# Everything else (htmx, chat.js, the resume frame, the server) is the real thing.
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
    # and chat.js's resume frame fetches what Bob missed.
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


def test_an_empty_conversation_comes_alive_with_its_first_message(people, server) -> None:
    alice, bob = people("alice"), people("bob")
    sign_up(alice, server)
    sign_up(bob, server)
    alice.page.goto("/p/bob/")  # nothing said yet: no room, but the page listens
    expect(alice.page.locator("#older")).to_have_text("Nothing said here yet.")
    expect(alice.badge).to_have_attribute("data-state", "live")
    bob.page.goto("/p/alice/")
    expect(bob.badge).to_have_attribute("data-state", "live")

    send(bob, "first words")  # over bob's socket, which opens the conversation
    for person in (alice, bob):
        expect_conversation(person, [("bob", "first words")])
    send(alice, "and an answer")
    for person in (alice, bob):
        expect_conversation(person, [("bob", "first words"), ("alice", "and an answer")])
    assert alice.page.url == f"{server.url}/p/bob/"  # no reload, no navigation


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


def test_logging_out_in_another_tab_takes_the_page_to_login(people, server: LiveServer) -> None:
    alice, _bob = meet_in_lunch(people, server)
    other_tab = alice.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Log out").click()
    expect(other_tab).to_have_url(f"{server.url}/accounts/login/")

    # The server closes the room's socket with 4401; the page reloads, to the login form.
    expect(alice.page).to_have_url(f"{server.url}/accounts/login/?next=/r/lunch/")


def test_a_password_changed_elsewhere_lands_on_a_login_page_saying_why(people, server) -> None:
    alice, _bob = meet_in_lunch(people, server)
    other_tab = alice.context.new_page()
    other_tab.goto("/accounts/password/")
    other_tab.fill("input[name=old_password]", PASSWORD)
    other_tab.fill("input[name=new_password1]", "A-whole-new-password-77")
    other_tab.fill("input[name=new_password2]", "A-whole-new-password-77")
    other_tab.get_by_role("button", name="Change password").click()
    expect(other_tab.locator("h1")).to_be_visible()  # that tab's session is kept

    # This one's session ended with the old password: the server closes its socket with
    # 4402, and the page goes to the login form, which says why.
    expect(alice.page).to_have_url(
        f"{server.url}/accounts/login/?why=password&next=%2Fr%2Flunch%2F"
    )
    expect(alice.page.locator(".auth .notice")).to_have_text(
        "You were signed out because your password was changed. Log in with the new one."
    )
    expect(alice.page.locator("input[name=next]")).to_have_value("/r/lunch/")


def test_a_session_that_ended_while_away_goes_to_login(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    cut_off(alice, bob)
    server.stop()
    expect(alice.badge).to_have_attribute("data-state", "reconnecting")
    server.manage(
        "shell", "-c", "from django.contrib.sessions.models import Session; "
        "Session.objects.filter(session_key__isnull=False).delete()",
    )  # fmt: skip

    server.start()  # the reconnect is anonymous: accepted, then closed with 4401

    expect(alice.page).to_have_url(
        f"{server.url}/accounts/login/?next=/r/lunch/", timeout=RECONNECT_TIMEOUT_MS
    )


def test_a_removed_member_is_shown_the_door(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    create_room(alice, "Plans", "private")
    slug = alice.page.url.rstrip("/").rsplit("/", 1)[1]
    members = alice.page.locator("#members-panel")
    members.get_by_label("Add someone").fill("bob")
    members.get_by_role("button", name="Add").click()
    expect(members).to_contain_text("bob can now read this room.")
    bob.page.goto(f"/r/{slug}/")
    expect(bob.badge).to_have_attribute("data-state", "live")

    alice.page.locator("#members li", has_text="bob").get_by_role("link", name="Remove").click()
    alice.page.get_by_role("button", name="Remove bob").click()  # "are you sure?"

    # Closed with 4403, the page reloads: the room is no longer there for bob.
    expect(bob.page).to_have_title(re.compile("^Not found"))
    assert any("404" in line for line in bob.console)
    bob.console.clear()  # that 404 is the point of the test


# The page's WebSocket, reachable from the test: a frame can be sent on the live socket
# exactly as chat.js would send it.
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

    # Every message arrives again, over the live socket: chat.js replaces each copy.
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


# --- live room life --------------------------------------------------------------------


def member(person: Person, name: str):
    return person.page.locator("#members li", has_text=name)


@pytest.mark.screenshots
def test_a_room_comes_alive_for_two_people(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    lobby = alice.context.new_page()
    watch_console(Person("alice's lobby", alice.context, lobby))
    lobby.goto("/")

    # Presence: each sees the other online.
    expect(member(alice, "bob")).to_have_class(re.compile(r"\bonline\b"))
    expect(member(bob, "alice")).to_have_class(re.compile(r"\bonline\b"))

    # Typing: bob's words show on alice's page, not on his own, and end with his message.
    bob.composer.press_sequentially("hungry?")
    expect(alice.page.locator("#typing")).to_have_text("bob is typing…")
    expect(bob.page.locator("#typing .typist")).to_be_hidden()
    bob.composer.press("Enter")
    expect(message_with(alice, "hungry?")).to_have_count(1)
    expect(alice.page.locator("#typing")).to_have_text("")

    # Edit: alice fixes a typo; bob's copy changes in place, marked edited.
    send(alice, "see you at noom")
    mine = message_with(alice, "see you at noom")
    mine.hover()
    mine.get_by_role("link", name="Edit").click()
    editor = mine.locator("textarea[name=body]")
    expect(editor).to_be_focused()
    editor.fill("see you at noon")
    mine.get_by_role("button", name="Save").click()
    edited = message_with(bob, "see you at noon")
    expect(edited).to_have_count(1)
    expect(edited).to_have_attribute("data-edited", "")
    expect(edited.locator(".edited")).to_have_text("(edited)")
    expect(message_with(bob, "noom")).to_have_count(0)

    # Reactions: bob reacts; alice sees the count, highlighted on bob's page only.
    theirs = message_with(bob, "see you at noon")
    theirs.hover()
    theirs.get_by_role("link", name="React").click()
    theirs.get_by_role("button", name="React with 👍").click()
    chip = message_with(alice, "see you at noon").locator(".reaction[data-emoji='👍']")
    expect(chip.locator(".count")).to_have_text("1")
    expect(chip).to_have_attribute("title", "bob")
    bob_chip = message_with(bob, "see you at noon").locator(".reaction[data-emoji='👍']")
    assert bob_chip.evaluate("n => getComputedStyle(n).borderColor") != chip.evaluate(
        "n => getComputedStyle(n).borderColor"
    ), "bob's own reaction is highlighted for him, not for alice"

    # A mention, while alice is away from the room: her lobby counts it, and the room,
    # when she is back, highlights it.
    alice_id = message_with(alice, "see you at noon").get_attribute("data-author")
    alice.page.goto("/")
    bob.composer.press_sequentially("@al")
    suggestion = bob.page.locator("#mention-suggestions [role=option]", has_text="@alice")
    expect(suggestion).to_be_visible()
    bob.composer.press("Enter")  # takes the suggestion
    expect(bob.composer).to_have_value("@alice ")
    bob.composer.press_sequentially("table for two?")
    bob.composer.press("Enter")
    expect(lobby.locator(".lobby-entry.mentioned .mentions")).to_have_text("@1")
    expect(lobby).to_have_title(re.compile(r"^\(\d+\) Chat$"))
    screenshot(lobby, "lobby-live.png")
    alice.page.goto("/r/lunch/")
    mention = message_with(alice, "table for two?").locator("a.mention")
    expect(mention).to_have_attribute("data-user-id", alice_id)
    expect(alice.badge).to_have_attribute("data-state", "live")
    expect(member(alice, "bob")).to_have_class(re.compile(r"\bonline\b"))
    expect(lobby.locator(".lobby-entry.mentioned")).to_have_count(0)  # read, on every tab

    bob.composer.press_sequentially("on my way")
    expect(alice.page.locator("#typing")).to_have_text("bob is typing…")
    screenshot(alice.page, "room-live.png")
    bob.composer.press("Enter")

    # Delete: alice deletes her message; bob sees the tombstone, the words are gone.
    mine = message_with(alice, "see you at noon")
    mine.hover()
    mine.get_by_role("link", name="Delete").click()
    mine.get_by_role("button", name="Delete").click()
    tombstone = bob.page.locator(f"#{mine.get_attribute('id')}")
    expect(tombstone).to_have_class(re.compile(r"\bdeleted\b"))
    expect(tombstone).to_contain_text("This message was deleted.")
    expect(bob.page.locator("#messages")).not_to_contain_text("see you at noon")

    # Presence ends: bob closes his page, and his dot clears for alice.
    bob.page.close()
    expect(member(alice, "bob")).not_to_have_class(re.compile(r"\bonline\b"))


def test_a_late_answer_for_a_mention_typed_past_does_not_take_the_enter(people, server):
    alice, bob = meet_in_lunch(people, server)
    # The page counts the suggestion requests htmx sends and the answers it has handled.
    bob.page.evaluate(
        """() => {
          window.asked = window.answered = 0;
          const mine = (e) => (e.detail.pathInfo.requestPath || "").includes("/mentions");
          document.addEventListener("htmx:beforeRequest", (e) => { if (mine(e)) asked++; });
          document.addEventListener("htmx:afterRequest", (e) => { if (mine(e)) answered++; });
        }"""
    )
    held, released = [], []

    def hold(route) -> None:  # answers wait until released
        (route.continue_() if released else held.append(route))

    bob.page.route("**/r/lunch/mentions?*", hold)
    bob.composer.press_sequentially("@al")
    bob.composer.press_sequentially("ice is here")  # past the name: no list is wanted
    released.append(True)
    for route in held:
        route.continue_()
    bob.page.wait_for_function("() => asked > 0 && answered === asked")
    expect(bob.page.locator("#mention-suggestions")).to_be_hidden()

    bob.composer.press("Enter")
    expect(bob.composer).to_have_value("")
    expect(message_with(alice, "@alice is here")).to_have_count(1)
