"""The room page's side of the socket protocol, one test per rule, in Chromium.

The page is the real one: ``chat/room.html`` rendered by Django (a direct conversation
nobody has written in yet, so no database is read), with htmx and its ws extension as
django-htmx serves them and ``static/chat/chat.js``. Its WebSocket is a scripted fake
(``FAKE_SOCKETS``): each test decides exactly which frames the "server" sends and when
the socket opens or drops, and reads exactly what the page sent. Timers (the gap's
healing, the ws extension's reconnect delay) run on Playwright's clock, never on sleeps.

The frames are written here in the shape the partials of ``chat/room.html`` give them
(``#new-messages``, ``#ack``, ``#cursor``): ids, ``data-revision`` and ``hx-swap-oob``
are what the page reads.
"""

from __future__ import annotations

import datetime
import json
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from playwright.sync_api import Page, Route, expect

from chat import ratelimit, rendering
from chat.forms import AttachmentForm, MessageForm
from chat.links import direct_links

pytestmark = pytest.mark.browser

ORIGIN = "http://chat.test"
#: Where the page's static files are: collected (``tests.environment``), so the names the
#: page links, with their content hashes, are there, copies of static/chat/ and django-htmx.
STATIC = {"/static/": Path(settings.STATIC_ROOT)}
#: chat.js's HEAL_AFTER_MS: a gap still open this long is asked for.
HEAL_AFTER_MS = 1000
#: The ws extension's first reconnect waits at most this long (chat.js's backoff, attempt 0).
FIRST_RETRY_MS = 1000

#: A WebSocket the test drives. ``window.__server`` opens the newest socket, sends it a
#: frame, drops it with a close code, and lists what the page sent on every socket.
FAKE_SOCKETS = """
(() => {
  const sockets = [];
  class FakeWebSocket extends EventTarget {
    constructor(url) {
      super();
      Object.assign(this, { url, readyState: 0, sent: [] });
      Object.assign(this, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      sockets.push(this);
    }
    send(data) {
      if (this.readyState === 0) throw new DOMException("still connecting", "InvalidStateError");
      if (this.readyState === 1) this.sent.push(String(data));  // a closed socket drops it
    }
    close(code) { this._closed(code || 1000); }
    _fire(type, event) {
      if (this["on" + type]) this["on" + type](event);
      this.dispatchEvent(event);
    }
    _open() { this.readyState = 1; this._fire("open", new Event("open")); }
    _message(data) { this._fire("message", new MessageEvent("message", { data })); }
    _closed(code) {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this._fire("close", new CloseEvent("close", { code, wasClean: code !== 1006 }));
    }
  }
  Object.assign(FakeWebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = FakeWebSocket;
  window.__server = {
    sockets,
    latest() { return sockets[sockets.length - 1]; },
    sent() { return sockets.flatMap((s) => s.sent); },
  };
})();
"""


def room_page(revision: int) -> str:
    """The real page of a conversation with no message yet, complete up to ``revision``."""
    request = RequestFactory().get("/p/bob/")
    request.user = AnonymousUser()
    links = direct_links("bob")
    context = {
        "room": None,
        "room_name": "bob",
        "kind": "Direct",
        "messages": [],
        "revision": revision,
        "form": MessageForm(),
        "upload_form": AttachmentForm(),
        "links": links,
        "post_url": links.page,
        "older_url": links.older,
        "socket_url": links.socket,
        "members": [],
    }
    return render_to_string("chat/room.html", context, request=request)


def message(message_id: int, revision: int, body: str, author: int = 2) -> str:
    """A new message as its room's sockets receive it (``chat/room.html#new-messages``)."""
    return (
        f'<div id="messages" hx-swap-oob="beforeend"><article id="message-{message_id}" '
        f'class="message" data-author="{author}" data-revision="{revision}"><header>'
        f'<a class="author" href="/u/bob/">bob</a></header><p class="body">{body}</p>'
        "</article></div>"
    )


def ack(client_id: str, message_id: int | None = None) -> str:
    """The answer to a stored send (``chat/room.html#ack``), naming the message it made."""
    return rendering.ack_frame(client_id, message_id=message_id)


def cursor(revision: int) -> str:
    """What a resume's answer ends with (``chat/room.html#cursor``)."""
    return f'<div id="cursor" hidden data-revision="{revision}"></div>'


class Room:
    """The page under test, and the "server" at the other end of its socket."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self) -> None:
        """The newest socket's handshake succeeds."""
        self.page.evaluate("() => window.__server.latest()._open()")
        expect(self.page.locator("#connection")).to_have_attribute("data-state", "live")

    def send(self, *frames: str) -> None:
        """The server sends these frames, in order (each handled as it arrives)."""
        for frame in frames:
            self.page.evaluate("html => window.__server.latest()._message(html)", frame)

    def drop(self, code: int = 1006) -> None:
        """The socket closes with ``code`` (1006: the network or the server went away)."""
        self.page.evaluate("code => window.__server.latest()._closed(code)", code)

    def reconnect(self) -> None:
        """Drop the socket, let the ws extension's retry come, and open the new socket."""
        before = self.sockets()
        self.drop()
        self.page.clock.run_for(FIRST_RETRY_MS)
        assert self.sockets() == before + 1, "the page did not reconnect"
        self.open()

    def sockets(self) -> int:
        return self.page.evaluate("() => window.__server.sockets.length")

    def sent(self) -> list[dict]:
        """Every frame the page sent, on any socket, parsed."""
        return [json.loads(text) for text in self.page.evaluate("() => window.__server.sent()")]

    def resumes(self) -> list[dict]:
        return [frame for frame in self.sent() if frame.get("type") == "resume"]

    def posts(self) -> list[dict]:
        return [frame for frame in self.sent() if "body" in frame]

    def shown(self) -> list[tuple[str, str]]:
        """(article id, body) of every message on the page, top to bottom."""
        shown = self.page.eval_on_selector_all(
            "#messages article.message",
            "items => items.map(a => [a.id, a.querySelector('.body').textContent])",
        )
        return [tuple(item) for item in shown]

    def type_and_send(self, text: str) -> None:
        box = self.page.locator("#composer textarea[name=body]")
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("")


@pytest.fixture
def open_room(browser) -> Iterator:
    """Open the page complete up to a given revision, on a paused clock; its socket is
    connecting (``Room.open`` lets it in)."""
    context = browser.new_context(base_url=ORIGIN)
    errors: list[str] = []

    def make(revision: int) -> Room:
        html = room_page(revision)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.add_init_script(FAKE_SOCKETS)

        def serve(route: Route) -> None:
            path = re.sub(r"^https?://[^/]+", "", route.request.url).split("?")[0]
            for prefix, folder in STATIC.items():
                if path.startswith(prefix):
                    file = folder / path[len(prefix) :]
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    route.fulfill(body=file.read_bytes(), content_type=kind)
                    return
            if path == "/p/bob/":
                route.fulfill(body=html, content_type="text/html; charset=utf-8")
            else:
                route.fulfill(status=404, body="")

        page.route(f"{ORIGIN}/**", serve)
        page.clock.install(time=datetime.datetime(2026, 1, 1, 12, 0))
        page.goto("/p/bob/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "connecting")
        page.clock.pause_at(datetime.datetime(2026, 1, 1, 12, 1))
        return Room(page)

    yield make
    context.close()
    assert errors == []


# --- the cursor: resume carries the revision the page is complete up to ---------------


def test_resume_carries_the_revision_the_page_was_loaded_at(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    assert room.resumes() == [{"type": "resume", "after": 0, "cursor": 36}]


def test_the_cursor_moves_over_revisions_seen_and_stops_at_a_gap(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(message(11, 37, "one"), message(13, 39, "three"))  # 38 not seen
    room.reconnect()
    assert room.resumes()[-1]["cursor"] == 37

    # A resume's answer says how far the page is complete; what it saw beyond counts too.
    room.send(message(14, 40, "four"), cursor(38))
    room.reconnect()
    assert room.resumes()[-1] == {"type": "resume", "after": 14, "cursor": 40}

    # Nothing seen beyond: the cursor is what the server said, not one more.
    room.send(cursor(42))
    room.reconnect()
    assert room.resumes()[-1]["cursor"] == 42


# --- gap healing: a gap still open after HEAL_AFTER_MS is asked for ------------------


def test_a_gap_still_open_after_a_while_is_asked_for(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(message(11, 37, "one"), message(13, 39, "three"))  # 38 is missing
    room.page.clock.run_for(HEAL_AFTER_MS - 100)
    assert len(room.resumes()) == 1  # only the opening one: 38 may be on its way
    room.page.clock.run_for(200)
    assert room.resumes()[1:] == [{"type": "resume", "after": 13, "cursor": 37}]


def test_a_gap_filled_in_time_is_not_asked_for(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(message(11, 37, "one"), message(13, 39, "three"))
    room.send(message(12, 38, "two"))  # overtaken, not lost
    room.page.clock.run_for(HEAL_AFTER_MS * 3)
    assert len(room.resumes()) == 1
    assert [body for _, body in room.shown()] == ["one", "two", "three"]


# --- dedupe: a message arriving twice is shown once ---------------------------------


def test_a_message_arriving_twice_is_shown_once(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("hello")
    client_id = room.posts()[0]["client_id"]
    mine = message(11, 37, "hello", author=1)
    room.send(mine, ack(client_id))
    room.send(mine)  # a resume overlapping the live delivery
    room.send(message(12, 38, "hi"))
    room.send(message(12, 38, "hi"))
    assert room.shown() == [("message-11", "hello"), ("message-12", "hi")]


# --- resend: a send not answered when the socket dropped goes again, same id ---------


def test_a_send_not_answered_is_sent_again_after_a_reconnect(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("answered")
    room.send(message(11, 37, "answered", author=1), ack(room.posts()[0]["client_id"]))
    room.type_and_send("lost in the outage")
    unanswered = room.posts()[1]

    room.reconnect()
    resent = room.page.evaluate("() => window.__server.latest().sent.map(JSON.parse)")
    # The resume first (what changed meanwhile), then the unanswered send, once, same id;
    # the answered one is not sent again.
    assert [frame.get("type", "post") for frame in resent] == ["resume", "post"]
    assert resent[1]["client_id"] == unanswered["client_id"]
    assert resent[1]["body"] == "lost in the outage"

    room.send(message(12, 38, "lost in the outage", author=1), ack(unanswered["client_id"]))
    room.reconnect()
    assert [frame.get("type") for frame in room.page.evaluate(
        "() => window.__server.latest().sent.map(JSON.parse)"
    )] == ["resume"]  # fmt: skip


# --- order: messages are kept in id order -------------------------------------------


def test_messages_are_kept_in_id_order(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    # Two server processes: the later message's frame overtakes the earlier one's.
    room.send(message(12, 38, "second"), message(11, 37, "first"), message(13, 39, "third"))
    assert room.shown() == [
        ("message-11", "first"),
        ("message-12", "second"),
        ("message-13", "third"),
    ]


# --- a send refused as too fast -------------------------------------------------------


def test_a_refused_text_comes_back_with_the_caret_after_it(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("kept text")
    sent = room.posts()[0]
    refused = MessageForm({"body": sent["body"], "client_id": sent["client_id"]})
    refused.is_valid()
    room.send(rendering.composer_frame(refused, ack=refused.ack, notice="Wait 4 s", wait=4))

    box = room.page.locator("#composer textarea[name=body]")
    expect(box).to_have_value("kept text")
    expect(box).to_be_focused()
    box.press_sequentially(" and more")
    expect(box).to_have_value("kept text and more")


def test_a_notice_about_a_wait_goes_when_the_wait_is_over(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("too soon")
    sent = room.posts()[0]
    refused = MessageForm({"body": sent["body"], "client_id": sent["client_id"]})
    refused.is_valid()
    words = ratelimit.POSTING.message.format(wait=ratelimit.readable_wait(4))
    room.send(rendering.composer_frame(refused, ack=refused.ack, notice=words, wait=4))

    notice = room.page.locator("#notice")
    expect(notice).to_have_text(words)
    room.page.clock.run_for(3_900)
    expect(notice).to_have_text(words)  # still true
    room.page.clock.run_for(200)
    expect(notice).to_have_text("")


def test_a_notice_replaced_meanwhile_is_not_cleared_by_the_old_wait(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(rendering.notice_frame("Wait 4 s", wait=4))
    room.send(rendering.notice_frame("Something else"))
    room.page.clock.run_for(5_000)
    expect(room.page.locator("#notice")).to_have_text("Something else")


# --- a send not stored yet shows as pending --------------------------------------------

PENDING = "#messages article.pending"


def test_a_send_shows_as_pending_until_its_article_is_there(open_room) -> None:
    room = open_room(revision=36)
    room.type_and_send("<b>soup</b> while offline")  # the socket is not open yet
    copy = room.page.locator(PENDING)
    expect(copy).to_have_count(1)
    expect(copy.locator(".body")).to_have_text("<b>soup</b> while offline")  # as text
    expect(copy).to_contain_text("sending…")
    assert room.shown() == []  # not a message yet

    room.open()  # the send goes now
    client_id = room.posts()[0]["client_id"]
    room.send(message(12, 37, "from bob"))
    expect(room.page.locator("#messages > article").last).to_have_class("pending")  # at the foot
    # The answer may come before the article (the article goes round the channel layer).
    room.send(ack(client_id, message_id=13))
    expect(copy).to_have_count(1)
    room.send(message(13, 38, "&lt;b&gt;soup&lt;/b&gt; while offline", author=1))
    expect(copy).to_have_count(0)
    assert [message_id for message_id, _ in room.shown()] == ["message-12", "message-13"]


def test_a_refused_send_is_no_longer_pending(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("too soon")
    expect(room.page.locator(PENDING)).to_have_count(1)
    sent = room.posts()[0]
    refused = MessageForm({"body": sent["body"], "client_id": sent["client_id"]})
    refused.is_valid()
    room.send(rendering.composer_frame(refused, ack=refused.ack, notice="Wait 4 s", wait=4))
    expect(room.page.locator(PENDING)).to_have_count(0)
    expect(room.page.locator("#composer textarea")).to_have_value("too soon")


def test_a_pending_send_outlives_a_reconnect_and_a_replaced_list(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("across the outage")
    room.reconnect()
    # A long absence: the resume's answer is the whole list again.
    room.send(
        '<div id="messages" class="messages" hx-swap-oob="true">'
        '<p id="older" class="older start">This is the beginning of the conversation.</p>'
        "</div>"
    )
    expect(room.page.locator(PENDING)).to_have_text(re.compile("across the outage"))
