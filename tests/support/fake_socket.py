"""The room page against a scripted fake WebSocket, for the unit tests of the page's modules
(``static/chat/js/``) in Chromium: the real ``chat/room.html`` rendered by Django, served with
the collected static files, its socket driven frame by frame (``FAKE_SOCKETS``), the frames
written in the shape the page's partials give them, and its clock Playwright's. The
``open_room`` fixture opens one."""

from __future__ import annotations

import datetime
import json
import mimetypes
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from playwright.sync_api import Browser, Page, Route, expect

from chat.broadcast import frames as rendering
from chat.links import BY_PERSON
from chat.messages.forms import AttachmentForm, MessageForm
from chat.people import instance

ORIGIN = "http://chat.test"
#: Where the page's static files are: collected (``tests.support.environment``), so the names the
#: page links, with their content hashes, are there, copies of static/chat/ and django-htmx.
STATIC = {"/static/": Path(settings.STATIC_ROOT)}
#: room-sync.js's HEAL_AFTER_MS: a gap still open this long is asked for.
HEAL_AFTER_MS = 1000
#: The ws extension's first reconnect waits at most this long (connection.js's backoff,
#: attempt 0).
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
    links = BY_PERSON.links("bob")
    context = {
        # The page is made on the browser's event loop: the chat's own settings are the
        # defaults, not read from a database.
        "instance": instance.FALLBACK,
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
        f'<a class="author" href="/u/bob/">bob</a></header>'
        f'<div class="body" dir="auto"><p>{body}</p></div>'
        "</article></div>"
    )


def changed(message_id: int, revision: int, body: str) -> str:
    """A changed message as its room's sockets receive it (``chat/room.html#changed-messages``):
    the whole article, marked ``hx-swap-oob="outerHTML"``, in the frame of new messages."""
    return (
        f'<div id="messages" hx-swap-oob="beforeend"><article id="message-{message_id}" '
        f'class="message" hx-swap-oob="outerHTML" data-author="2" data-revision="{revision}" '
        f'data-edited><header><a class="author" href="/u/bob/">bob</a></header>'
        f'<div class="body" dir="auto"><p>{body}</p></div>'
        f'<div class="actions"><a id="message-{message_id}-react" '
        f'class="action react" href="/m/{message_id}/react" hx-get="/m/{message_id}/react" '
        f'hx-target="#message-{message_id} .slot">React</a></div>'
        f'<div id="message-{message_id}-slot" class="slot"></div></article></div>'
    )


def ack(client_id: str, message_id: int | None = None) -> str:
    """The answer to a stored send (``chat/room.html#ack``), naming the message it made."""
    return rendering.ack_frame(client_id, message_id=message_id)


def cursor(revision: int) -> str:
    """What a resume's answer ends with (``chat/room.html#cursor``)."""
    return f'<div id="cursor" hidden data-revision="{revision}"></div>'


class RoomPage:
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


@contextmanager
def opening_rooms(browser: Browser) -> Iterator[Callable[[int], RoomPage]]:
    """Open the page complete up to a given revision, on a paused clock; its socket is
    connecting (``RoomPage.open`` lets it in). No page may log an error meanwhile."""
    context = browser.new_context(base_url=ORIGIN)
    errors: list[str] = []

    def make(revision: int) -> RoomPage:
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
        return RoomPage(page)

    yield make
    context.close()
    assert errors == []
